"""Which active export freezes cover a product: read by the export-control invariants (the
DOMESTIC_PRIORITY cause) and by the freeze writes. No writes here, so both may import it."""

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.core.enums import FreezeScope, ProductCategory
from catalog.licensing.conditions import control_entry_matches
from catalog.models import ExportFreeze

DOMESTIC_PRIORITY = "DOMESTIC_PRIORITY"
PUBLIC_REASON = (
    "Exports of this equipment are frozen while Ukraine's armed forces need it (domestic priority)."
)


class Covered(Protocol):
    """What a freeze is matched on: a `Product` row, or the same columns read alone."""

    @property
    def category(self) -> ProductCategory: ...
    @property
    def control_entry(self) -> str: ...


def covers(freeze: ExportFreeze, product: Covered) -> bool:
    if freeze.scope is FreezeScope.CATEGORY:
        return str(product.category) == freeze.value
    return control_entry_matches(product.control_entry, freeze.value)


async def active_freezes(session: AsyncSession) -> list[ExportFreeze]:
    return list(
        await session.scalars(
            select(ExportFreeze)
            .where(col(ExportFreeze.lifted_at).is_(None))
            .order_by(col(ExportFreeze.declared_at), col(ExportFreeze.id))
        )
    )


async def freezes_covering(session: AsyncSession, product: Covered) -> list[ExportFreeze]:
    return [f for f in await active_freezes(session) if covers(f, product)]
