"""Per-request DataLoaders: every relation costs one query per batch, whatever the list size.

Each loader opens a short read session of its own, because resolvers run concurrently and an
AsyncSession must not be shared between concurrent tasks.
"""

import uuid
from collections import defaultdict
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

from sqlalchemy import Row
from strawberry.dataloader import DataLoader
from strawberry.types import Info

from catalog.documents import service as documents
from catalog.licensing import cases as licensing_cases
from catalog.licensing.intake import CaseRow
from catalog.models import (
    CaseDecision,
    Document,
    Officer,
    Organisation,
    Product,
    ProductRevision,
    QuoteOffer,
    QuoteRequest,
    Release,
    WebhookDelivery,
)
from catalog.organisations import directory as organisations
from catalog.organisations import officers
from catalog.products import listing as products
from catalog.products import releases
from catalog.products import revisions as product_revisions
from catalog.quotes import listing as quotes
from catalog.webhooks import deliveries as webhook_deliveries
from schema.context import Context

K = TypeVar("K")
V = TypeVar("V")


def _loader(
    info: Info[Context, Any],
    name: str,
    batch: Callable[[Context, list[Any]], Awaitable[Sequence[Any]]],
) -> DataLoader[Any, Any]:
    context = info.context
    loader = context.loaders.get(name)
    if loader is None:

        async def load(keys: list[Any]) -> Sequence[Any]:
            return await batch(context, keys)

        loader = DataLoader(load_fn=load)
        context.loaders[name] = loader
    return loader


async def _organisations(context: Context, ids: list[uuid.UUID]) -> list[Organisation | None]:
    async with context.db.read() as session:
        found = await organisations.organisations_by_id(session, ids)
    return [found.get(i) for i in ids]


async def _visible_products(context: Context, ids: list[uuid.UUID]) -> list[Row[Any] | None]:
    """Plain rows with their manufacturer's columns (`listing.maker_of`)."""
    found = await products.get_many_visible(context.db, context.principal, ids)
    return [found.get(i) for i in ids]


async def _live_releases(context: Context, ids: list[uuid.UUID]) -> list[list[Release]]:
    async with context.db.read() as session:
        rows = await releases.live_releases(session, ids)
    grouped: dict[uuid.UUID, list[Release]] = defaultdict(list)
    for row in rows:
        grouped[row.product_id].append(row)
    return [grouped.get(i, []) for i in ids]


async def _products_of(context: Context, keys: list[tuple[uuid.UUID, int]]) -> list[list[Product]]:
    limit = max(first for _, first in keys)
    async with context.db.read() as session:
        grouped = await products.visible_products_of_manufacturers(
            session, context.principal, [m for m, _ in keys], limit
        )
    return [grouped.get(m, [])[:first] for m, first in keys]


def organisation_loader(info: Info[Context, Any]) -> DataLoader[uuid.UUID, Organisation | None]:
    return _loader(info, "organisation", _organisations)


def product_loader(info: Info[Context, Any]) -> DataLoader[uuid.UUID, Row[Any] | None]:
    return _loader(info, "product", _visible_products)


def releases_loader(info: Info[Context, Any]) -> DataLoader[uuid.UUID, list[Release]]:
    return _loader(info, "releases", _live_releases)


async def _revisions(context: Context, ids: list[uuid.UUID]) -> list[list[ProductRevision]]:
    async with context.db.read() as session:
        grouped = await product_revisions.revisions_of(session, context.principal, ids)
    return [grouped.get(i, []) for i in ids]


def revisions_loader(info: Info[Context, Any]) -> DataLoader[uuid.UUID, list[ProductRevision]]:
    """A listing's revisions, newest first (none for callers who may not see revisions)."""
    return _loader(info, "revisions", _revisions)


def manufacturer_products_loader(
    info: Info[Context, Any],
) -> DataLoader[tuple[uuid.UUID, int], list[Product]]:
    return _loader(info, "manufacturer_products", _products_of)


async def _visible_quotes(context: Context, ids: list[uuid.UUID]) -> list[QuoteRequest | None]:
    async with context.db.read() as session:
        found = await quotes.quotes_by_ids(session, context.principal, ids)
    return [found.get(i) for i in ids]


async def _cases_of_quotes(context: Context, ids: list[uuid.UUID]) -> list[CaseRow | None]:
    async with context.db.read() as session:
        found = await licensing_cases.cases_for_quotes(session, ids)
    return [found.get(i) for i in ids]


async def _case_decisions(context: Context, ids: list[uuid.UUID]) -> list[list[CaseDecision]]:
    async with context.db.read() as session:
        grouped = await licensing_cases.decisions_for_cases(session, ids)
    return [grouped.get(i, []) for i in ids]


def quote_loader(info: Info[Context, Any]) -> DataLoader[uuid.UUID, QuoteRequest | None]:
    """Quotes the caller may see, by id."""
    return _loader(info, "quote", _visible_quotes)


def quote_case_loader(info: Info[Context, Any]) -> DataLoader[uuid.UUID, CaseRow | None]:
    """The licensing case of a quote the caller was already allowed to see, by quote id."""
    return _loader(info, "quote_case", _cases_of_quotes)


async def _quote_offers(context: Context, ids: list[uuid.UUID]) -> list[list[QuoteOffer]]:
    async with context.db.read() as session:
        grouped = await quotes.offers_for_quotes(session, ids)
    return [grouped.get(i, []) for i in ids]


def quote_offers_loader(info: Info[Context, Any]) -> DataLoader[uuid.UUID, list[QuoteOffer]]:
    """Every offer revision of quotes the caller was already allowed to see, oldest first."""
    return _loader(info, "quote_offers", _quote_offers)


def case_decisions_loader(info: Info[Context, Any]) -> DataLoader[uuid.UUID, list[CaseDecision]]:
    return _loader(info, "case_decisions", _case_decisions)


async def _recent_deliveries(
    context: Context, keys: list[tuple[uuid.UUID, int]]
) -> list[list[WebhookDelivery]]:
    limit = max(first for _, first in keys)
    async with context.db.read() as session:
        grouped = await webhook_deliveries.recent_deliveries(session, [e for e, _ in keys], limit)
    return [grouped.get(endpoint, [])[:first] for endpoint, first in keys]


def webhook_deliveries_loader(
    info: Info[Context, Any],
) -> DataLoader[tuple[uuid.UUID, int], list[WebhookDelivery]]:
    return _loader(info, "webhook_deliveries", _recent_deliveries)


async def _officers(context: Context, ids: list[uuid.UUID]) -> list[Officer | None]:
    async with context.db.read() as session:
        found = await officers.officers_by_id(session, ids)
    return [found.get(i) for i in ids]


def officer_loader(info: Info[Context, Any]) -> DataLoader[uuid.UUID, Officer | None]:
    return _loader(info, "officer", _officers)


async def _visible_documents(context: Context, ids: list[uuid.UUID]) -> list[Document | None]:
    async with context.db.read() as session:
        found = await documents.documents_by_ids(session, context.principal, ids)
    return [found.get(i) for i in ids]


async def _product_documents(context: Context, ids: list[uuid.UUID]) -> list[list[Document]]:
    async with context.db.read() as session:
        grouped = await documents.documents_of(session, context.principal, product_ids=ids)
    return [grouped.get(i, []) for i in ids]


async def _quote_documents(context: Context, ids: list[uuid.UUID]) -> list[list[Document]]:
    async with context.db.read() as session:
        grouped = await documents.documents_of(session, context.principal, quote_ids=ids)
    return [grouped.get(i, []) for i in ids]


def document_loader(info: Info[Context, Any]) -> DataLoader[uuid.UUID, Document | None]:
    """Documents the caller may see, by id."""
    return _loader(info, "document", _visible_documents)


def product_documents_loader(info: Info[Context, Any]) -> DataLoader[uuid.UUID, list[Document]]:
    """The documents of a product the caller may see, oldest first."""
    return _loader(info, "product_documents", _product_documents)


def quote_documents_loader(info: Info[Context, Any]) -> DataLoader[uuid.UUID, list[Document]]:
    """The documents of a quote the caller may see, oldest first."""
    return _loader(info, "quote_documents", _quote_documents)
