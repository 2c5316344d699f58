"""Which products a partner sees, as a set to compare against after a change: what a live
catalogue subscription remembers so that it can tell ADDED from UPDATED and REMOVED."""

import uuid

from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from catalog.core.principal import Principal
from catalog.models import Product
from catalog.visibility import visible_products


async def visible_product_ids(session: AsyncSession, principal: Principal) -> set[uuid.UUID]:
    rows = await session.scalars(select(col(Product.id)).where(visible_products(principal)))
    return set(rows)


async def visible_product(
    session: AsyncSession, principal: Principal, product_id: uuid.UUID
) -> Product | None:
    return await session.scalar(
        select(Product).where(col(Product.id) == product_id, visible_products(principal))
    )
