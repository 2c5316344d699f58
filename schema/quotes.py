"""Quote requests over GraphQL: the partner asks, follows, answers, accepts or declines; the
manufacturer offers after a licence. Partners' notes are hidden from manufacturers."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from catalog import access
from catalog.core.enums import QuoteStatus
from catalog.core.errors import DomainError, not_found
from catalog.models import QuoteRequest as QuoteRow
from catalog.quotes import listing, workflow
from catalog.quotes import requests as domain
from schema.context import Context
from schema.errors import UserError, mutation_payload
from schema.licensing import LicensingCase
from schema.loaders import organisation_loader, quote_case_loader, quote_loader
from schema.organisations import Partner
from schema.permissions import require
from schema.products import Product, load_visible_product
from schema.relay import Node, PageInfo, bad_input, id_of_type, page_info, page_size, to_global_id

QuoteStatusEnum = strawberry.enum(QuoteStatus, name="QuoteStatus")


@strawberry.type
class Offer:
    unit_price: Decimal
    currency: str
    lead_time_days: int
    valid_until: date


@strawberry.type
class QuoteRequest(Node):
    row: strawberry.Private[QuoteRow]
    status: QuoteStatusEnum  # type: ignore[valid-type]
    quantity: int
    delivery_country: str
    end_user: str
    end_use: str
    co_production: bool
    required_by: date | None
    refusal_reason: str | None = strawberry.field(description="Why licensing refused.")
    info_request: str | None = strawberry.field(description="The officers' latest question.")
    info_response: str | None = strawberry.field(description="The partner's answer.")
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="The partner's own notes; not shown to the manufacturer.")
    def notes(self, info: Info[Context, Any]) -> str | None:
        if not access.sees_partner_notes(info.context.principal):
            return None
        return self.row.notes

    @strawberry.field(description="The manufacturer's offer, once made.")
    def offer(self) -> Offer | None:
        row = self.row
        if row.offer_unit_price is None or row.offer_currency is None:
            return None
        assert row.offer_lead_time_days is not None and row.offer_valid_until is not None
        return Offer(
            unit_price=row.offer_unit_price,
            currency=row.offer_currency,
            lead_time_days=row.offer_lead_time_days,
            valid_until=row.offer_valid_until,
        )

    @strawberry.field(description="The product, while the caller may still see it.")
    async def product(self, info: Info[Context, Any]) -> Product | None:
        return await load_visible_product(info, self.row.product_id)

    @strawberry.field
    async def partner(self, info: Info[Context, Any]) -> Partner:
        org = await organisation_loader(info).load(self.row.partner_org_id)
        assert org is not None  # foreign key
        return Partner.from_row(org)

    @strawberry.field
    async def licensing_case(self, info: Info[Context, Any]) -> LicensingCase | None:
        row = await quote_case_loader(info).load(self.row.id)
        return LicensingCase.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: QuoteRow) -> "QuoteRequest":
        return cls(
            id=to_global_id("QuoteRequest", row.id),
            row=row,
            status=row.status,
            quantity=row.quantity,
            delivery_country=row.delivery_country,
            end_user=row.end_user,
            end_use=row.end_use,
            co_production=row.co_production,
            required_by=row.required_by,
            refusal_reason=row.refusal_reason,
            info_request=row.info_request,
            info_response=row.info_response,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


@strawberry.type
class QuoteRequestEdge:
    cursor: str
    node: QuoteRequest


@strawberry.type
class QuoteRequestConnection:
    edges: list[QuoteRequestEdge]
    page_info: PageInfo
    filter: strawberry.Private[listing.QuoteFilter | None]

    @strawberry.field(description="Computed only when selected.")
    async def total_count(self, info: Info[Context, Any]) -> int:
        async with info.context.db.read() as session:
            return await listing.count_quotes(session, info.context.principal, self.filter)


@strawberry.input
class QuoteRequestFilter:
    status: QuoteStatusEnum | None = None  # type: ignore[valid-type]
    product_id: strawberry.ID | None = None

    def to_domain(self) -> listing.QuoteFilter:
        product = None
        if self.product_id is not None:
            # An unknown product id filters everything out rather than erroring.
            product = id_of_type(self.product_id, "Product") or uuid.UUID(int=0)
        return listing.QuoteFilter(status=self.status, product_id=product)


async def load_quote(info: Info[Context, Any], quote_id: uuid.UUID) -> QuoteRequest | None:
    row = await quote_loader(info).load(quote_id)
    return QuoteRequest.from_row(row) if row is not None else None


@strawberry.type
class QuoteQuery:
    @strawberry.field(description="Quote requests the caller may see, newest first.")
    async def quote_requests(
        self,
        info: Info[Context, Any],
        filter: QuoteRequestFilter | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> QuoteRequestConnection:
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
        return QuoteRequestConnection(
            edges=[
                QuoteRequestEdge(cursor=c, node=QuoteRequest.from_row(r))
                for r, c in zip(page.items, page.cursors, strict=True)
            ],
            page_info=page_info(page.cursors, page.has_next, after),
            filter=as_domain,
        )

    @strawberry.field(description="A quote request, or null when absent or not visible.")
    async def quote_request(
        self, info: Info[Context, Any], id: strawberry.ID
    ) -> QuoteRequest | None:
        require(info, "quotes:read")
        quote_id = id_of_type(id, "QuoteRequest")
        return await load_quote(info, quote_id) if quote_id else None


# ---------------------------------------------------------------- mutations


@strawberry.input
class RequestQuoteInput:
    product_id: strawberry.ID
    quantity: int
    delivery_country: str
    end_user: str
    end_use: str
    idempotency_key: str
    co_production: bool | None = None
    required_by: date | None = None
    notes: str | None = None


@strawberry.input
class WithdrawQuoteInput:
    quote_request_id: strawberry.ID
    reason: str | None = None


@strawberry.input
class AnswerInfoRequestInput:
    quote_request_id: strawberry.ID
    answer: str


@strawberry.input
class RespondToQuoteInput:
    quote_request_id: strawberry.ID
    unit_price: Decimal
    currency: str
    lead_time_days: int
    valid_until: date


@strawberry.input
class QuoteRequestIdInput:
    quote_request_id: strawberry.ID


@strawberry.type
class QuoteRequestPayload:
    quote_request: QuoteRequest | None
    errors: list[UserError]


def _quote_id(global_id: str) -> uuid.UUID:
    quote_id = id_of_type(global_id, "QuoteRequest")
    if quote_id is None:
        raise not_found("quote request", "quoteRequestId")
    return quote_id


async def _payload(action: Callable[[], Awaitable[QuoteRow]]) -> QuoteRequestPayload:
    return await mutation_payload(
        action,
        lambda row: QuoteRequestPayload(quote_request=QuoteRequest.from_row(row), errors=[]),
        lambda errors: QuoteRequestPayload(quote_request=None, errors=errors),
    )


def _quote_input(source: RequestQuoteInput) -> domain.QuoteInput:
    product_id = id_of_type(source.product_id, "Product")
    if product_id is None:
        raise not_found("product", "productId")
    return domain.QuoteInput(
        product_id=product_id,
        quantity=source.quantity,
        delivery_country=source.delivery_country,
        end_user=source.end_user,
        end_use=source.end_use,
        idempotency_key=source.idempotency_key,
        co_production=bool(source.co_production),
        required_by=source.required_by,
        notes=source.notes,
    )


@strawberry.type
class QuoteMutation:
    @strawberry.mutation(description="Partner: request a quote; it is routed into licensing.")
    async def request_quote(
        self, info: Info[Context, Any], input: RequestQuoteInput
    ) -> QuoteRequestPayload:
        require(info, "quotes:request")
        ctx = info.context
        return await _payload(
            lambda: domain.request_quote(ctx.db, ctx.principal, _quote_input(input))
        )

    @strawberry.mutation(
        description="Partner: withdraw a quote request until an offer is accepted."
    )
    async def withdraw_quote(
        self, info: Info[Context, Any], input: WithdrawQuoteInput
    ) -> QuoteRequestPayload:
        require(info, "quotes:request")
        ctx = info.context
        return await _payload(
            lambda: workflow.withdraw_quote(
                ctx.db, ctx.principal, _quote_id(input.quote_request_id), input.reason
            )
        )

    @strawberry.mutation(description="Partner: answer the officers' request for information.")
    async def answer_info_request(
        self, info: Info[Context, Any], input: AnswerInfoRequestInput
    ) -> QuoteRequestPayload:
        require(info, "quotes:request")
        ctx = info.context
        return await _payload(
            lambda: workflow.answer_info_request(
                ctx.db, ctx.principal, _quote_id(input.quote_request_id), input.answer
            )
        )

    @strawberry.mutation(description="Manufacturer: make an offer on a licensed quote request.")
    async def respond_to_quote(
        self, info: Info[Context, Any], input: RespondToQuoteInput
    ) -> QuoteRequestPayload:
        require(info, "quotes:respond")
        ctx = info.context
        offer = workflow.OfferInput(
            unit_price=input.unit_price,
            currency=input.currency,
            lead_time_days=input.lead_time_days,
            valid_until=input.valid_until,
        )
        return await _payload(
            lambda: workflow.respond_to_quote(
                ctx.db, ctx.principal, _quote_id(input.quote_request_id), offer
            )
        )

    @strawberry.mutation(description="Partner: accept the manufacturer's offer.")
    async def accept_offer(
        self, info: Info[Context, Any], input: QuoteRequestIdInput
    ) -> QuoteRequestPayload:
        require(info, "quotes:request")
        ctx = info.context
        return await _payload(
            lambda: workflow.settle_offer(
                ctx.db, ctx.principal, _quote_id(input.quote_request_id), accept=True
            )
        )

    @strawberry.mutation(description="Partner: decline the manufacturer's offer.")
    async def decline_offer(
        self, info: Info[Context, Any], input: QuoteRequestIdInput
    ) -> QuoteRequestPayload:
        require(info, "quotes:request")
        ctx = info.context
        return await _payload(
            lambda: workflow.settle_offer(
                ctx.db, ctx.principal, _quote_id(input.quote_request_id), accept=False
            )
        )
