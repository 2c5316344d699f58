"""Reviewed revisions of published listings.

Partners see a listing as a curator published it. Once a listing is PUBLISHED (or SUSPENDED,
which a curator may lift), an edit to its content does not change the listing: it is recorded
as a revision that a curator approves (the changes go live in one transaction, the search
index and the outbox included) or rejects with a note (nothing changes). One revision per
listing is pending at a time: a new edit is applied on top of it and replaces it (the old one
becomes SUPERSEDED, so a curator never approves changes other than the ones they compared).
Units available and price are not reviewed: they change at once (`lifecycle.update_product`).

A revision that changes the control entry, category or technology transfer carries
`requires_licensing_review`: those fields decide how quotes are routed (rules match on
them), so licensing officers find such revisions in their queue and in the audit log.
"""

import copy
import json
import uuid
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, false, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import require_revision_curator, sees_revisions
from catalog.core.audit import canonical_json
from catalog.core.db import Database
from catalog.core.enums import ProductCategory, ProductStatus, RevisionStatus, TechTransfer
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.pagination import Page, SortColumn, paginate
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, collect
from catalog.models import Product, ProductRevision
from catalog.models.base import utcnow
from catalog.visibility import visible_products

# Statuses in which partners may have seen the listing as reviewed: content edits are revisions.
REVIEWED = frozenset({ProductStatus.PUBLISHED, ProductStatus.SUSPENDED})
# Reviewed fields, by attribute, with the name a change carries (the GraphQL field name).
REVIEWED_FIELDS = {
    "name": "name",
    "category": "category",
    "summary": "summary",
    "description": "description",
    "control_entry": "controlEntry",
    "tech_transfer": "techTransfer",
    "lead_time_days": "leadTimeDays",
    "specs": "specs",
    "combat_record": "combatRecord",
}
ATTRIBUTES = {name: attribute for attribute, name in REVIEWED_FIELDS.items()}
# Every editable field by the name audit events and revisions give it.
FIELD_NAMES = {
    **REVIEWED_FIELDS,
    "units_available": "unitsAvailable",
    "unit_price_eur": "unitPriceEur",
}
# Fields that rules route quotes on.
ROUTING_FIELDS = frozenset({"category", "controlEntry", "techTransfer"})
_ENUMS: dict[str, type] = {"category": ProductCategory, "tech_transfer": TechTransfer}


def plain(value: Any) -> Any:
    """A JSON-native copy (enums and decimals as strings), as stored and compared."""
    return json.loads(canonical_json({"v": value}))["v"]


def proposed_copy(product: Product, pending: ProductRevision | None) -> Product:
    """A detached copy of the listing as it would be with the pending revision applied: the
    base a new edit is applied to."""
    values = {name: copy.deepcopy(getattr(product, name)) for name in Product.model_fields}
    proposed = Product(**values)
    if pending is not None:
        apply_changes(proposed, pending.changes)
    return proposed


def apply_changes(product: Product, changes: list[dict[str, Any]]) -> None:
    for change in changes:
        attribute = ATTRIBUTES[change["field"]]
        value = change["after"]
        if attribute in _ENUMS and value is not None:
            value = _ENUMS[attribute](value)
        setattr(product, attribute, copy.deepcopy(value))


def diff(before: Product, after: Product) -> list[dict[str, Any]]:
    changes = []
    for attribute, name in REVIEWED_FIELDS.items():
        old, new = plain(getattr(before, attribute)), plain(getattr(after, attribute))
        if old != new:
            changes.append({"field": name, "before": old, "after": new})
    return changes


async def pending_for_update(tx: WriteTransaction, product_id: uuid.UUID) -> ProductRevision | None:
    return await tx.session.scalar(
        select(ProductRevision)
        .where(
            col(ProductRevision.product_id) == product_id,
            col(ProductRevision.status) == RevisionStatus.PENDING,
        )
        .with_for_update()
    )


async def _supersede(tx: WriteTransaction, pending: ProductRevision) -> None:
    pending.status = RevisionStatus.SUPERSEDED
    pending.decided_at = utcnow()
    # Out of the one-pending-per-listing index before a new pending row goes in.
    await tx.session.flush()


async def record(
    tx: WriteTransaction,
    product: Product,
    proposed: Product,
    pending: ProductRevision | None,
) -> ProductRevision | None:
    """Record `proposed` (the listing with the pending revision and the new edit applied) as
    the listing's pending revision, replacing `pending`. An edit that brings every field back
    to the published value leaves no revision pending."""
    changes = diff(product, proposed)
    replaced = str(pending.id) if pending is not None else None
    if pending is not None:
        await _supersede(tx, pending)
    if not changes:
        if pending is not None:
            tx.audit("product.revision_dropped", "Product", product.id, {"revision": replaced})
        return None
    revision = ProductRevision(
        product_id=product.id,
        changes=changes,
        requires_licensing_review=any(c["field"] in ROUTING_FIELDS for c in changes),
    )
    tx.session.add(revision)
    tx.audit(
        "product.revision_proposed",
        "Product",
        product.id,
        {
            "revision": revision.id,
            "replaces": replaced,
            "changes": changes,
            "requiresLicensingReview": revision.requires_licensing_review,
        },
    )
    return revision


async def drop_pending(tx: WriteTransaction, product: Product) -> None:
    """The listing left review (withdrawn): its pending revision no longer applies."""
    pending = await pending_for_update(tx, product.id)
    if pending is not None:
        await _supersede(tx, pending)
        tx.audit("product.revision_dropped", "Product", product.id, {"revision": pending.id})


async def _decidable(
    tx: WriteTransaction, principal: Principal, revision_id: uuid.UUID
) -> tuple[Product, ProductRevision]:
    """The pending revision and its listing, both locked (the listing first, as every writer
    locks it before what hangs off it)."""
    product_id = await tx.session.scalar(
        select(col(ProductRevision.product_id)).where(col(ProductRevision.id) == revision_id)
    )
    product = None
    if product_id is not None:
        product = await tx.session.scalar(
            select(Product)
            .where(col(Product.id) == product_id, visible_products(principal))
            .with_for_update()
        )
    revision = await tx.session.get(ProductRevision, revision_id, with_for_update=True)
    if product is None or revision is None:
        raise not_found("revision", "revisionId")
    if revision.status is not RevisionStatus.PENDING or product.status not in REVIEWED:
        raise DomainError.one(
            f"the revision is {revision.status}, not pending",
            Codes.INVALID_TRANSITION,
            "revisionId",
        )
    return product, revision


async def approve_revision(
    db: Database, principal: Principal, revision_id: uuid.UUID
) -> tuple[ProductRevision, Product]:
    """The changes go live: the listing row (and with it the `sql` search index, kept by
    triggers) and a `product.changed` outbox event for the other consumers, in one
    transaction."""
    require_revision_curator(principal)
    async with write(db, principal) as tx:
        product, revision = await _decidable(tx, principal, revision_id)
        apply_changes(product, revision.changes)
        product.updated_at = utcnow()
        revision.status = RevisionStatus.APPROVED
        revision.decided_at = product.updated_at
        revision.decided_by_org_id = principal.org_id
        tx.audit(
            "product.revision_approved",
            "Product",
            product.id,
            {
                "revision": revision.id,
                "changes": revision.changes,
                "requiresLicensingReview": revision.requires_licensing_review,
            },
        )
        tx.emit("product.changed", "Product", product.id)
    return revision, product


async def reject_revision(
    db: Database, principal: Principal, revision_id: uuid.UUID, note: str
) -> tuple[ProductRevision, Product]:
    require_revision_curator(principal)
    problems = collect(check_length("note", note, 1, 2000))
    if problems or not note.strip():
        raise DomainError(problems or [Problem("a note is required", Codes.INVALID, "note")])
    async with write(db, principal) as tx:
        product, revision = await _decidable(tx, principal, revision_id)
        revision.status = RevisionStatus.REJECTED
        revision.note = note.strip()
        revision.decided_at = utcnow()
        revision.decided_by_org_id = principal.org_id
        tx.audit(
            "product.revision_rejected",
            "Product",
            product.id,
            {"revision": revision.id, "note": revision.note},
        )
    return revision, product


# ---------------------------------------------------------------- reading


def _seen(principal: Principal) -> Select[Any]:
    """Revisions of listings the caller sees, for callers who may see revisions at all."""
    statement = select(ProductRevision)
    if not sees_revisions(principal):
        return statement.where(false())
    visible = select(col(Product.id)).where(visible_products(principal))
    return statement.where(col(ProductRevision.product_id).in_(visible))


async def revisions_of(
    session: AsyncSession, principal: Principal, product_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ProductRevision]]:
    """Each listing's revisions, newest first."""
    rows = await session.scalars(
        _seen(principal)
        .where(col(ProductRevision.product_id).in_(product_ids))
        .order_by(col(ProductRevision.created_at).desc(), col(ProductRevision.id).desc())
    )
    grouped: dict[uuid.UUID, list[ProductRevision]] = {}
    for row in rows:
        grouped.setdefault(row.product_id, []).append(row)
    return grouped


@dataclass(frozen=True)
class RevisionFilter:
    status: RevisionStatus | None = RevisionStatus.PENDING
    requires_licensing_review: bool | None = None


QUEUE_ORDER = "revision-oldest"
QUEUE_COLUMNS = [
    SortColumn(col(ProductRevision.created_at), False, "datetime"),
    SortColumn(col(ProductRevision.id), False, "uuid"),
]


def _queue(principal: Principal, revision_filter: RevisionFilter) -> Select[Any]:
    statement = _seen(principal)
    if revision_filter.status is not None:
        statement = statement.where(col(ProductRevision.status) == revision_filter.status)
    if revision_filter.requires_licensing_review is not None:
        flag = revision_filter.requires_licensing_review
        statement = statement.where(col(ProductRevision.requires_licensing_review) == flag)
    return statement


async def list_revisions(
    session: AsyncSession,
    principal: Principal,
    revision_filter: RevisionFilter,
    *,
    first: int,
    after: str | None,
) -> Page[ProductRevision]:
    """The review queue, oldest first."""
    return await paginate(
        session,
        _queue(principal, revision_filter),
        order=QUEUE_ORDER,
        columns=QUEUE_COLUMNS,
        first=first,
        after=after,
    )


async def count_revisions(
    session: AsyncSession, principal: Principal, revision_filter: RevisionFilter
) -> int:
    subquery = _queue(principal, revision_filter).subquery()
    return int(await session.scalar(select(func.count()).select_from(subquery)) or 0)
