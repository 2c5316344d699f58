"""Quote requests as callers see them: by id, listed newest first, counted; always
through `visible_quotes`."""

import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import visible_quotes
from catalog.core.enums import QuoteStatus
from catalog.core.pagination import Page, SortColumn, paginate
from catalog.core.principal import Principal
from catalog.models import QuoteOffer, QuoteRequest

QUOTE_ORDER = "quote-newest"
QUOTE_COLUMNS = [
    SortColumn(col(QuoteRequest.created_at), True, "datetime"),
    SortColumn(col(QuoteRequest.id), True, "uuid"),
]


@dataclass(frozen=True)
class QuoteFilter:
    status: QuoteStatus | None = None
    product_id: uuid.UUID | None = None


async def quotes_by_ids(
    session: AsyncSession, principal: Principal, ids: list[uuid.UUID]
) -> dict[uuid.UUID, QuoteRequest]:
    rows = await session.scalars(
        select(QuoteRequest).where(col(QuoteRequest.id).in_(ids), visible_quotes(principal))
    )
    return {row.id: row for row in rows}


def _filtered(principal: Principal, quote_filter: QuoteFilter | None) -> Select[Any]:
    statement = select(QuoteRequest).where(visible_quotes(principal))
    if quote_filter and quote_filter.status is not None:
        statement = statement.where(col(QuoteRequest.status) == quote_filter.status)
    if quote_filter and quote_filter.product_id is not None:
        statement = statement.where(col(QuoteRequest.product_id) == quote_filter.product_id)
    return statement


async def count_quotes(
    session: AsyncSession, principal: Principal, quote_filter: QuoteFilter | None
) -> int:
    subquery = _filtered(principal, quote_filter).subquery()
    return int(await session.scalar(select(func.count()).select_from(subquery)) or 0)


async def list_quotes(
    session: AsyncSession,
    principal: Principal,
    *,
    quote_filter: QuoteFilter | None,
    first: int,
    after: str | None,
) -> Page[QuoteRequest]:
    """Newest first."""
    return await paginate(
        session,
        _filtered(principal, quote_filter),
        order=QUOTE_ORDER,
        columns=QUOTE_COLUMNS,
        first=first,
        after=after,
    )


async def offers_for_quotes(
    session: AsyncSession, quote_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[QuoteOffer]]:
    """The offer revisions of quotes the caller was already allowed to see, oldest first."""
    rows = await session.scalars(
        select(QuoteOffer)
        .where(col(QuoteOffer.quote_request_id).in_(quote_ids))
        .order_by(col(QuoteOffer.quote_request_id), col(QuoteOffer.revision))
    )
    grouped: dict[uuid.UUID, list[QuoteOffer]] = {}
    for row in rows:
        grouped.setdefault(row.quote_request_id, []).append(row)
    return grouped
