"""Subscriptions (over WebSocket, graphql-transport-ws). Each event is re-checked against the
caller's access before it is delivered (the feed does that), then shown exactly as the same
query would show it: the same loaders, the same field rules."""

import uuid
from collections.abc import AsyncGenerator
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.access import catalogue_change, hears_catalogue
from catalog.core.ids import to_global_id
from catalog.core.live import LiveFeed
from catalog.products.changes import visible_product_ids
from schema.context import Context
from schema.errors import ErrorCode, coded_error
from schema.licensing.types import REVIEW, LicensingCase, load_case
from schema.live.execution import shared_payload
from schema.live.types import CatalogueChange, ChangedProduct
from schema.loaders import product_loader
from schema.organisations.types import Manufacturer
from schema.permissions import require
from schema.products.types import Product
from schema.quotes.types import QuoteRequest, load_quote
from schema.relay import bad_input, id_of_type

QUOTE_TOPICS = frozenset({"quote.changed"})
CASE_TOPICS = frozenset({"licensing_case.changed"})
PRODUCT_TOPICS = frozenset({"product.changed"})


def _feed(info: Info[Context, Any]) -> LiveFeed:
    feed = info.context.live
    if feed is None:
        raise coded_error("subscriptions need a WebSocket connection", ErrorCode.BAD_USER_INPUT)
    return feed


def _entity(entity_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(entity_id)
    except ValueError:
        return None


@strawberry.type
class Subscription:
    @strawberry.subscription(
        description="Changes of status, offer or hold of the quotes the caller may see (one "
        "quote with `id`)."
    )
    async def quote_request_updated(
        self, info: Info[Context, Any], id: strawberry.ID | None = None
    ) -> AsyncGenerator[QuoteRequest, None]:
        require(info, "quotes:read")
        wanted = id_of_type(id, "QuoteRequest") if id is not None else None
        if id is not None and wanted is None:
            raise bad_input("`id` is not a QuoteRequest id")
        async for event in _feed(info).events(QUOTE_TOPICS):
            quote_id = _entity(event.entity_id)
            if quote_id is None or (wanted is not None and quote_id != wanted):
                continue
            quote = await load_quote(info, quote_id)
            if quote is not None:
                yield shared_payload(info, ("QuoteRequest", quote_id), quote)

    @strawberry.subscription(
        description="New and changed licensing cases (officers; one queue with `queue`)."
    )
    async def licensing_case_updated(
        self, info: Info[Context, Any], queue: str | None = None
    ) -> AsyncGenerator[LicensingCase, None]:
        require(info, REVIEW)
        async for event in _feed(info).events(CASE_TOPICS):
            case_id = _entity(event.entity_id)
            case = await load_case(info, case_id) if case_id is not None else None
            if case is not None and (queue is None or case.queue == queue):
                yield shared_payload(info, ("LicensingCase", case_id), case)

    @strawberry.subscription(
        description="Partners: products that become visible (ADDED), change while visible "
        "(UPDATED) or stop being visible (REMOVED) to the partner's country."
    )
    async def catalogue_changed(
        self, info: Info[Context, Any]
    ) -> AsyncGenerator[CatalogueChange, None]:
        require(info, "catalog:read")
        if not hears_catalogue(info.context.principal):
            raise coded_error("the catalogue subscription is for partners", ErrorCode.FORBIDDEN)
        feed = _feed(info)
        async with info.context.db.read() as session:
            known = await visible_product_ids(session, info.context.principal)
        async for event in feed.events(PRODUCT_TOPICS):
            product_id = _entity(event.entity_id)
            if product_id is None:
                continue
            row = await product_loader(info).load(product_id)
            change = catalogue_change(product_id in known, row is not None)
            if change is None:
                continue
            if row is None:
                known.discard(product_id)
                removed = strawberry.ID(to_global_id("Product", product_id))
                product = ChangedProduct(id=removed, name=None, listing=None)
            else:
                known.add(product_id)
                listing = Product.from_row(row, Manufacturer.of_product_row(row))
                product = ChangedProduct(id=listing.id, name=row.name, listing=listing)
            told = CatalogueChange(change=change, product=product)
            yield shared_payload(info, ("CatalogueChange", product_id, change), told)
