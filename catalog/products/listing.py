"""Products as callers see them: listing, lookup and counts, always through
`visible_products`."""

import functools
import operator
import uuid
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from sqlalchemy import ColumnElement, Select, cast, func, null, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.core.db import Database
from catalog.core.direct_reads import (
    MAX_ID_SLOTS,
    DirectRead,
    id_slots,
    slot_count,
    slotted_ids,
)
from catalog.core.pagination import Page, SortColumn, page_of, page_statement, page_values
from catalog.core.principal import Principal
from catalog.models import Organisation, Product
from catalog.models.base import table_of
from catalog.products.filters import ProductFilter, filter_clauses
from catalog.visibility import (
    CallerShape,
    caller_shape,
    visibility_values,
    visible_products,
    visible_products_prepared,
)


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


# A product's manufacturer, joined as `.join(MAKER, MAKER_OF_PRODUCT)`.
MAKER = table_of(Organisation).alias("maker")
MAKER_OF_PRODUCT: ColumnElement[bool] = MAKER.c.id == Product.manufacturer_id
# What a product's manufacturer shows: every other column would be decoded for fifty rows a
# page and never read. Its id is the product's manufacturer_id (the join), decoded once.
_MAKER_FIELDS = ("slug", "name", "country")
_PRODUCT_COLUMNS = tuple(table_of(Product).columns)
_MAKER_COLUMNS = tuple(MAKER.c[name].label(f"maker_{name}") for name in _MAKER_FIELDS)
_MAKER_ATTRIBUTES = tuple((name, f"maker_{name}") for name in _MAKER_FIELDS)  # a row's names
# Every product column under its own name, then the manufacturer's as `maker_<column>`.
_PAGE_COLUMNS = [*_PRODUCT_COLUMNS, *_MAKER_COLUMNS]
# What a page always reads: the id (cursors, loaders) and the manufacturer (makers by id).
_ALWAYS_READ = frozenset({"id", "manufacturer_id"})


def row_columns(selected: frozenset[str] = frozenset()) -> tuple[Any, ...]:
    """The columns of a product row as `get_many_visible` reads it, but those in `selected`
    (product columns a statement selects already, under their own names), for a statement
    that checks the products' visibility itself (search): its rows then serve as the products
    they name. The statement joins `MAKER` on `MAKER_OF_PRODUCT`."""
    return tuple(c for c in _PAGE_COLUMNS if c.name not in selected)


def row_nulls(selected: frozenset[str] = frozenset()) -> tuple[Any, ...]:
    """`row_columns(selected)` as typed NULLs, for the parts of a UNION that name no product."""
    return tuple(cast(null(), c.type).label(c.name) for c in row_columns(selected))


@functools.lru_cache(maxsize=256)
def page_columns(read: frozenset[str] | None) -> tuple[Any, ...]:
    """The page's columns when only the product columns in `read` are read (None: all). The
    others come back as NULL under their own names, untyped, so that the row keeps its shape
    and nothing is decoded for them."""
    if read is None:
        return tuple(_PAGE_COLUMNS)
    wanted = read | _ALWAYS_READ
    product = (c if c.name in wanted else null().label(c.name) for c in _PRODUCT_COLUMNS)
    return (*product, *_MAKER_COLUMNS)


# A product row's manufacturer as its values (id, then the `maker_` columns): what `maker_of`
# makes of the row is decided by them alone.
maker_values = operator.attrgetter("manufacturer_id", *(column for _, column in _MAKER_ATTRIBUTES))


def maker_of(row: Any) -> SimpleNamespace:
    """The manufacturer read with a product row (the `maker_` columns), like an
    `Organisation`."""
    maker = {name: getattr(row, column) for name, column in _MAKER_ATTRIBUTES}
    return SimpleNamespace(id=row.manufacturer_id, **maker)


async def get_many_visible(
    db: Database, principal: Principal, ids: list[uuid.UUID]
) -> dict[uuid.UUID, Any]:
    """Plain rows read like `Product` instances, each with its manufacturer (`maker_of`)."""
    found: dict[uuid.UUID, Any] = {}
    visibility = visibility_values(principal)
    shape = caller_shape(principal)
    for start in range(0, len(ids), MAX_ID_SLOTS):
        chunk = ids[start : start + MAX_ID_SLOTS]
        slots = slot_count(chunk)
        rows = await db.fetch(
            _visible_by_id(shape, slots), {**slotted_ids(chunk, slots), **visibility}
        )
        found.update((row.id, row) for row in rows)
    return found


@functools.lru_cache(maxsize=64)
def _visible_by_id(shape: CallerShape, slots: int) -> DirectRead:
    """Built once per kind of caller and number of ids, like the unfiltered page."""
    return DirectRead(
        select(*_PAGE_COLUMNS)
        .join(MAKER, MAKER_OF_PRODUCT)
        .where(id_slots(table_of(Product).c.id, slots), visible_products_prepared(shape)),
        brief=True,
    )


async def list_products(
    db: Database,
    principal: Principal,
    *,
    product_filter: ProductFilter | None,
    order: ProductOrder,
    first: int,
    after: str | None,
    reads: frozenset[str] | None = None,
) -> Page[Any]:
    """One statement per page, plain rows read like `Product` instances (same attribute
    names), each with its manufacturer's columns (`maker_of`): a page of fifty ORM instances
    and a second query for their manufacturers cost more than the whole statement. `reads`:
    the product columns the caller reads; None reads every one."""
    columns = SORT_COLUMNS[order]
    values = page_values(order, columns, first, after)
    clauses = filter_clauses(product_filter)
    rows: list[Any]
    if clauses:
        statement = page_statement(
            _page_select(reads, order).where(visible_products(principal), *clauses),
            columns,
            after=bool(after),
        )
        async with db.read_connection() as connection:
            rows = list((await connection.execute(statement, values)).all())
    else:  # the common page: built once per kind of caller, run on the driver directly
        values.update(visibility_values(principal))
        read = _unfiltered_page(caller_shape(principal), reads, order, bool(after))
        rows = await db.fetch(read, values)
    return page_of(rows, order, columns, first)


def _page_select(reads: frozenset[str] | None, order: ProductOrder) -> Select[Any]:
    if reads is not None:  # the cursors hold the ordering's columns
        reads = reads | {c.column.key for c in SORT_COLUMNS[order]}  # type: ignore[attr-defined]
    return select(*page_columns(reads)).join(MAKER, MAKER_OF_PRODUCT)


@functools.lru_cache(maxsize=256)
def _unfiltered_page(
    shape: CallerShape, reads: frozenset[str] | None, order: ProductOrder, after: bool
) -> DirectRead:
    """Built and compiled once: nothing of the statement is computed per request."""
    visible = _page_select(reads, order).where(visible_products_prepared(shape))
    return DirectRead(page_statement(visible, SORT_COLUMNS[order], after=after), brief=True)


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
