"""What the database says after Meilisearch answered, in one statement (search/meili.py).

Whether the partner's country still takes exports (the index filter cannot know an embargo),
which of the page's hits `visible_products` allows, with their products' rows (so that the
hits' nodes are not read again), the products whose changes the indexer has not applied yet,
and the names of the manufacturers the facet counts show. The statement is
built and compiled once per kind of caller and number of ids (a direct read,
catalog/core/direct_reads.py): building it per search, and SQLAlchemy's cache key for it, cost
more than running it.
"""

import functools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from catalog.core.db import Database
from catalog.core.direct_reads import DirectRead, id_slots, slot_count, slotted_ids
from catalog.core.enums import OrgKind
from catalog.core.outbox import pending_entities
from catalog.core.principal import Principal
from catalog.models import Organisation, Product
from catalog.models.base import table_of
from catalog.products.listing import MAKER, MAKER_OF_PRODUCT, row_columns, row_nulls
from catalog.visibility import (
    CallerShape,
    caller_shape,
    exporting_to,
    visibility_values,
    visible_products_prepared,
)
from search.indexer import CONSUMER

_COUNTRY = sa.bindparam("recheck_country", type_=sa.String)


@dataclass(frozen=True, slots=True)
class Rechecked:
    allowed: bool
    # The page's visible products, each with its row as the product loader reads it.
    visible: dict[uuid.UUID, Any]
    pending: set[str]
    labels: dict[str, str]


async def recheck(
    db: Database, principal: Principal, page: Sequence[uuid.UUID], makers: Sequence[uuid.UUID]
) -> Rechecked:
    """`page`: at most `MAX_ID_SLOTS` hits; `makers`: as many (the shown facet values)."""
    country = principal.country if principal.kind is OrgKind.PARTNER else None
    page_slots = slot_count(page) if page else 0
    maker_slots = slot_count(makers) if makers else 0
    values: dict[str, Any] = {"recheck_country": country, **visibility_values(principal)}
    if page:
        values.update(slotted_ids(page, page_slots, "page"))
    if makers:
        values.update(slotted_ids(makers, maker_slots, "maker"))
    read = _statement(caller_shape(principal), country is not None, page_slots, maker_slots)
    found: dict[str, list[Any]] = {"pending": [], "allowed": [], "visible": [], "label": []}
    for row in await db.fetch(read, values):
        found[row.kind].append(row)
    return Rechecked(
        allowed=country is None or bool(found["allowed"]),
        visible={row.id: row for row in found["visible"]},
        pending={row.key for row in found["pending"]},
        labels={str(uuid.UUID(row.key)): row.label for row in found["label"]},
    )


async def maker_labels(db: Database, makers: Sequence[uuid.UUID]) -> dict[str, str]:
    """Manufacturers' names by id, for facet values the recheck did not name (shown only after
    stale counts were discounted)."""
    if not makers:
        return {}
    async with db.read() as session:
        rows = await session.execute(
            sa.select(col(Organisation.id), col(Organisation.name)).where(
                col(Organisation.id).in_(makers)
            )
        )
        return {str(key): name for key, name in rows.all()}


@functools.lru_cache(maxsize=256)
def _statement(
    shape: CallerShape, with_country: bool, page_slots: int, maker_slots: int
) -> DirectRead:
    null = sa.cast(sa.null(), sa.String)
    # Rows are (kind, key, label, <a product row>): the visible hits carry their product's row
    # (`row_columns`), so that their nodes need no statement of their own; the other rows hold
    # typed NULLs there. The first part names the columns.
    nothing = row_nulls()
    pending = pending_entities(CONSUMER, "Product").subquery()
    parts: list[sa.Select[Any]] = [
        sa.select(
            sa.literal("pending").label("kind"),
            sa.cast(pending.c.entity_id, sa.String).label("key"),
            null.label("label"),
            *nothing,
        )
    ]
    if with_country:
        parts.append(
            sa.select(sa.literal("allowed"), null, null, *nothing).where(exporting_to(_COUNTRY))
        )
    if page_slots:
        on_page = id_slots(table_of(Product).c.id, page_slots, "page")
        parts.append(
            sa.select(
                sa.literal("visible"), sa.cast(col(Product.id), sa.String), null, *row_columns()
            )
            .join(MAKER, MAKER_OF_PRODUCT)
            .where(on_page, visible_products_prepared(shape))
        )
    if maker_slots:
        parts.append(
            sa.select(
                sa.literal("label"),
                sa.cast(col(Organisation.id), sa.String),
                col(Organisation.name),
                *nothing,
            ).where(id_slots(table_of(Organisation).c.id, maker_slots, "maker"))
        )
    return DirectRead(sa.union_all(*parts), brief=True)
