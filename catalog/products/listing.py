"""Products as callers see them: listing, lookup and counts, always through
`visible_products`."""

import uuid
from enum import StrEnum

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.core.pagination import Page, SortColumn, paginate
from catalog.core.principal import Principal
from catalog.models import Product
from catalog.products.filters import ProductFilter, filter_clauses
from catalog.visibility import visible_products


class ProductOrder(StrEnum):
    NAME = "NAME"
    NEWEST = "NEWEST"
    UNITS_AVAILABLE = "UNITS_AVAILABLE"


SORT_COLUMNS: dict[ProductOrder, list[SortColumn]] = {
    ProductOrder.NAME: [
        SortColumn(col(Product.name), False, "str"),
        SortColumn(col(Product.id), False, "uuid"),
    ],
    ProductOrder.NEWEST: [
        SortColumn(col(Product.created_at), True, "datetime"),
        SortColumn(col(Product.id), True, "uuid"),
    ],
    ProductOrder.UNITS_AVAILABLE: [
        SortColumn(col(Product.units_available), True, "int"),
        SortColumn(col(Product.id), False, "uuid"),
    ],
}


async def get_many_visible(
    session: AsyncSession, principal: Principal, ids: list[uuid.UUID]
) -> dict[uuid.UUID, Product]:
    rows = await session.scalars(
        select(Product).where(col(Product.id).in_(ids), visible_products(principal))
    )
    return {row.id: row for row in rows}


async def list_products(
    session: AsyncSession,
    principal: Principal,
    *,
    product_filter: ProductFilter | None,
    order: ProductOrder,
    first: int,
    after: str | None,
) -> Page[Product]:
    statement = select(Product).where(visible_products(principal), *filter_clauses(product_filter))
    return await paginate(
        session, statement, order=order, columns=SORT_COLUMNS[order], first=first, after=after
    )


async def count_products(
    session: AsyncSession, principal: Principal, product_filter: ProductFilter | None
) -> int:
    statement = (
        select(func.count())
        .select_from(Product)
        .where(visible_products(principal), *filter_clauses(product_filter))
    )
    return int(await session.scalar(statement) or 0)


async def visible_products_of_manufacturers(
    session: AsyncSession, principal: Principal, manufacturer_ids: list[uuid.UUID], limit: int
) -> dict[uuid.UUID, list[Product]]:
    """Up to `limit` visible products per manufacturer, by name, in one query."""
    rank = (
        func.row_number()
        .over(partition_by=col(Product.manufacturer_id), order_by=(Product.name, col(Product.id)))
        .label("rank")
    )
    ranked = (
        select(col(Product.id), rank)
        .where(col(Product.manufacturer_id).in_(manufacturer_ids), visible_products(principal))
        .subquery()
    )
    statement = (
        select(Product)
        .join(ranked, ranked.c.id == Product.id)
        .where(ranked.c.rank <= limit)
        .order_by(col(Product.manufacturer_id), col(Product.name), col(Product.id))
    )
    grouped: dict[uuid.UUID, list[Product]] = {}
    for row in await session.scalars(statement):
        grouped.setdefault(row.manufacturer_id, []).append(row)
    return grouped
