"""Export freezes: the domestic priority as data.

Licensing officers with the rules declare a freeze on a product category or a control-entry
prefix when Ukraine's armed forces need that equipment (`declare_freeze`), and lift it when
they no longer do (`lift_freeze`). A freeze is a row that is never deleted: lifting records who
and when and bumps its version; both are audited. While a freeze is active the
DOMESTIC_PRIORITY cause (catalog/quotes/invariants.py) covers its products: the open quotes of
those products go ON_HOLD in the freeze's own transaction (catalog/licensing/holds.py), new
quotes are refused with the public reason, and lifting resumes the held cases.
"""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import require_freeze_officer
from catalog.core.db import Database
from catalog.core.enums import FreezeScope, ProductCategory
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, collect
from catalog.licensing.holds import reconcile
from catalog.models import ExportFreeze, Product
from catalog.models.base import utcnow
from catalog.programme.coverage import PUBLIC_REASON, Covered, covers, freezes_covering


def _checked(scope: FreezeScope, value: str, reason: str) -> tuple[str, str]:
    value, reason = value.strip().upper(), reason.strip()
    problems = collect(check_length("reason", reason, 1, 2000), check_length("value", value, 1, 32))
    if scope is FreezeScope.CATEGORY and value not in set(ProductCategory):
        problems.append(
            Problem(
                f"{value!r} is not a product category ({', '.join(ProductCategory)})",
                Codes.BAD_USER_INPUT,
                "value",
            )
        )
    if problems:
        raise DomainError(problems)
    return value, reason


async def _covered_products(tx: WriteTransaction, freeze: ExportFreeze) -> list[uuid.UUID]:
    """The products the freeze covers, locked in id order (products before quotes and cases)."""
    statement = select(Product).order_by(col(Product.id))
    if freeze.scope is FreezeScope.CATEGORY:
        statement = statement.where(col(Product.category) == freeze.value)
    else:  # a prefix narrows by LIKE; `covers` keeps the entry-boundary rule of routing
        head = freeze.value.rstrip(".")
        statement = statement.where(col(Product.control_entry).ilike(f"{head}%"))
    rows = await tx.session.scalars(statement.with_for_update())
    return [p.id for p in rows if covers(freeze, p)]


async def declare_freeze(
    db: Database, principal: Principal, scope: FreezeScope, value: str, reason: str
) -> ExportFreeze:
    require_freeze_officer(principal)
    value, reason = _checked(scope, value, reason)
    async with write(db, principal) as tx:
        freeze = ExportFreeze(
            scope=scope, value=value, reason=reason, declared_by=principal.subject
        )
        tx.session.add(freeze)
        products = await _covered_products(tx, freeze)
        held = await reconcile(tx, product_ids=products)
        tx.audit(
            "export_freeze.declared",
            "ExportFreeze",
            freeze.id,
            {
                "scope": scope,
                "value": value,
                "reason": reason,
                "products": len(products),
                "cases_held": held,
                "version": freeze.version,
            },
        )
    return freeze


async def lift_freeze(
    db: Database, principal: Principal, freeze_id: uuid.UUID, reason: str
) -> ExportFreeze:
    require_freeze_officer(principal)
    reason = reason.strip()
    problems = collect(check_length("reason", reason, 1, 2000))
    if problems:
        raise DomainError(problems)
    async with write(db, principal) as tx:
        freeze = await tx.session.scalar(
            select(ExportFreeze).where(col(ExportFreeze.id) == freeze_id).with_for_update()
        )
        if freeze is None:
            raise not_found("export freeze", "freezeId")
        if freeze.lifted_at is not None:
            raise DomainError.one("this freeze was already lifted", Codes.INVALID_TRANSITION)
        freeze.lifted_at = utcnow()
        freeze.lifted_by = principal.subject
        freeze.version += 1
        products = await _covered_products(tx, freeze)
        resumed = await reconcile(tx, product_ids=products)
        tx.audit(
            "export_freeze.lifted",
            "ExportFreeze",
            freeze.id,
            {
                "reason": reason,
                "products": len(products),
                "cases_changed": resumed,
                "version": freeze.version,
            },
        )
    return freeze


async def list_freezes(
    session: AsyncSession, principal: Principal, *, active_only: bool
) -> list[ExportFreeze]:
    """Officers and curators see every freeze; their existence is not secret, but partners
    learn of them only through the public reason on their quotes."""
    statement = select(ExportFreeze).order_by(
        col(ExportFreeze.declared_at).desc(), col(ExportFreeze.id)
    )
    if active_only:
        statement = statement.where(col(ExportFreeze.lifted_at).is_(None))
    return list(await session.scalars(statement))


async def require_not_frozen(session: AsyncSession, product: Covered) -> None:
    """A new quote for frozen equipment is refused with the public reason (nothing written)."""
    if await freezes_covering(session, product):
        raise DomainError.one(PUBLIC_REASON, Codes.NOT_ALLOWED, "productId")
