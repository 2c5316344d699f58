"""Quote queries: one quote by id, and the caller's visible quotes."""

import uuid
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.errors import DomainError
from catalog.quotes import listing
from schema.context import Context
from schema.permissions import require
from schema.quotes.types import QuoteRequest, QuoteStatusEnum, load_quote
from schema.relay import Connection, bad_input, connection, id_of_type, page_size


@strawberry.input
class QuoteRequestFilter:
    status: QuoteStatusEnum | None = None
    product_id: strawberry.ID | None = None

    def to_domain(self) -> listing.QuoteFilter:
        product = None
        if self.product_id is not None:
            # An unknown product id filters everything out rather than erroring.
            product = id_of_type(self.product_id, "Product") or uuid.UUID(int=0)
        return listing.QuoteFilter(status=self.status, product_id=product)


@strawberry.type
class QuoteQuery:
    @strawberry.field(description="Quote requests the caller may see, newest first.")
    async def quote_requests(
        self,
        info: Info[Context, Any],
        filter: QuoteRequestFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[QuoteRequest]:
        require(info, "quotes:read")
        size = page_size(info, first)
        as_domain = filter.to_domain() if filter is not None else None
        try:
            async with info.context.db.read() as session:
                page = await listing.list_quotes(
                    session,
                    info.context.principal,
                    quote_filter=as_domain,
                    first=size,
                    after=after,
                )
        except DomainError as error:
            raise bad_input(error.problems[0].message) from error
        principal = info.context.principal
        return connection(
            [QuoteRequest.from_row(r) for r in page.items],
            page,
            after,
            lambda session: listing.count_quotes(session, principal, as_domain),
        )

    @strawberry.field(description="A quote request, or null when absent or not visible.")
    async def quote_request(
        self, info: Info[Context, Any], id: strawberry.ID
    ) -> QuoteRequest | None:
        require(info, "quotes:read")
        quote_id = id_of_type(id, "QuoteRequest")
        return await load_quote(info, quote_id) if quote_id else None
