"""The domestic reserve and sensitive technology, both kept on the product.

- A manufacturer declares how many units of a product stay in Ukraine for its own forces
  (`declare_domestic_reserve`). Those units leave the surplus: `units_available` is what is
  left for export, so the reserve can never be quoted (a request beyond the surplus is
  INSUFFICIENT_UNITS), approved or accepted (acceptance takes units from the surplus only, in
  one conditional UPDATE). Growing the reserve takes units from the surplus still available;
  shrinking it returns them. Units already reserved by accepted quotes are sold and never
  move.
- Licensing officers mark a product, or named parts of its specs, `sensitive`
  (`mark_sensitive`): such technology is never licensed for production abroad, a hard gate of
  co-production (catalog/programme/coproduction.py).
"""

import uuid

from sqlalchemy import select
from sqlmodel import col

from catalog.access import require_freeze_officer, require_manufacturer
from catalog.core.db import Database
from catalog.core.errors import Codes, DomainError, not_found
from catalog.core.principal import Principal
from catalog.core.transactions import write
from catalog.models import Product
from catalog.models.base import utcnow
from catalog.products.lifecycle import visible_for_update

MAX_UNITS = 10_000_000


async def declare_domestic_reserve(
    db: Database, principal: Principal, product_id: uuid.UUID, units: int
) -> Product:
    owner = require_manufacturer(principal)
    if not 0 <= units <= MAX_UNITS:
        raise DomainError.one(f"units must be between 0 and {MAX_UNITS}", Codes.INVALID, "units")
    async with write(db, principal) as tx:
        product = await visible_for_update(tx, principal, product_id)
        if product.manufacturer_id != owner:
            raise not_found("product", "productId")
        before = product.domestic_reserve
        taken = units - before  # > 0: from the surplus; < 0: back to it
        if taken > product.units_available:
            raise DomainError.one(
                f"only {product.units_available} units are available to move into the reserve",
                Codes.INSUFFICIENT_UNITS,
                "units",
            )
        product.units_available -= taken
        product.domestic_reserve = units
        product.updated_at = utcnow()
        tx.audit(
            "product.domestic_reserve_declared",
            "Product",
            product.id,
            {"from": before, "to": units, "units_available": product.units_available},
        )
        tx.emit("product.changed", "Product", product.id)
    return product


def _parts(parts: list[str]) -> list[str]:
    cleaned = sorted({p.strip().lower() for p in parts if p.strip()})
    if any(len(p) > 64 for p in cleaned) or len(cleaned) > 50:
        raise DomainError.one("at most 50 parts of 64 characters", Codes.INVALID, "parts")
    return cleaned


async def mark_sensitive(
    db: Database,
    principal: Principal,
    product_id: uuid.UUID,
    *,
    sensitive: bool,
    parts: list[str],
    reason: str,
) -> Product:
    """The whole product (`sensitive`) and/or parts of its specs (`parts`, e.g. "navigation")."""
    require_freeze_officer(principal)
    reason = reason.strip()
    if not 1 <= len(reason) <= 2000:
        raise DomainError.one("reason must be 1 to 2000 characters", Codes.INVALID, "reason")
    cleaned = _parts(parts)
    async with write(db, principal) as tx:
        product = await tx.session.scalar(
            select(Product).where(col(Product.id) == product_id).with_for_update()
        )
        if product is None:
            raise not_found("product", "productId")
        before = {"sensitive": product.sensitive, "parts": list(product.sensitive_parts)}
        product.sensitive = sensitive
        product.sensitive_parts = cleaned
        product.updated_at = utcnow()
        tx.audit(
            "product.sensitivity_marked",
            "Product",
            product.id,
            {"from": before, "to": {"sensitive": sensitive, "parts": cleaned}, "reason": reason},
        )
        tx.emit("product.changed", "Product", product.id)
    return product
