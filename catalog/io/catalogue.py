"""Catalogue import and export for operators (`market import` / `market export`).

Rows are keyed by (manufacturer slug, SKU): importing upserts, so importing the same file
twice changes nothing the second time and records no audit event for unchanged rows. Every
row is validated by `catalog.products.lifecycle.new_product` (the rules of `createProduct`);
one bad row rejects the whole file unless `partial` is set. All changes are one transaction through
`catalog.core.transactions.write`, with an audit event and a `product.changed` outbox row per
created or changed product.

An import is an operator's act on behalf of a curation desk: statuses and releases are set as
the file says (no workflow steps), and releases are recorded as made by that curator.
"""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from catalog.core.db import Database
from catalog.core.enums import OrgKind, ProductStatus
from catalog.core.errors import Codes, DomainError
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.io.files import ParsedLine
from catalog.io.rows import (
    CheckedRow,
    Progress,
    RejectedRow,
    ReleaseKey,
    check_rows,
    reference_data,
)
from catalog.licensing.holds import reconcile
from catalog.models import Organisation, Product, Release
from catalog.models.base import utcnow
from catalog.products.specs import validate_combat_record, validate_specs

# What an import may change on an existing product, compared field by field.
COMPARED = (
    "name",
    "category",
    "summary",
    "description",
    "specs",
    "combat_record",
    "control_entry",
    "tech_transfer",
    "units_available",
    "lead_time_days",
    "unit_price_eur",
    "status",
    "review_note",
)


@dataclass
class ImportReport:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rejected: list[RejectedRow] = field(default_factory=list)
    written: bool = False


def importer(curator: Organisation) -> Principal:
    """`find_curator` only returns CURATOR organisations; an import holds no token scopes."""
    return Principal.for_organisation(
        curator, subject="operator:catalogue-import", scopes=frozenset()
    )


async def find_curator(db: Database, slug: str | None) -> Organisation:
    """The curator organisation an import acts for: the one named, or the only one there is."""
    async with db.read() as session:
        statement = select(Organisation).where(col(Organisation.kind) == OrgKind.CURATOR)
        if slug:
            statement = statement.where(col(Organisation.slug) == slug)
        curators = list(await session.scalars(statement.limit(2)))
    if len(curators) != 1:
        raise DomainError.one(
            "name the curator organisation the import acts for (--curator SLUG)"
            if not slug
            else f"no curator organisation {slug!r}",
            Codes.INVALID,
            "curator",
        )
    return curators[0]


# ---------------------------------------------------------------- writing


class _NothingChanged(Exception):
    """Leaves the write transaction without writing (every row was already as imported)."""


def _normalised_specs(product: Product) -> Any:
    """Rows stored before validation filled in every key compare equal to their import."""
    try:
        return validate_specs(product.category, product.specs)
    except DomainError:
        return product.specs


def _normalised_combat_record(product: Product) -> Any:
    try:
        return validate_combat_record(product.combat_record)
    except DomainError:
        return product.combat_record


def _changes(existing: Product, incoming: Product) -> list[str]:
    changed = []
    for name in COMPARED:
        old, new = getattr(existing, name), getattr(incoming, name)
        if name == "specs":
            old = _normalised_specs(existing)
        if name == "combat_record":
            old = _normalised_combat_record(existing)
        if old != new:
            changed.append(name)
    return changed


async def _sync_releases(
    tx: WriteTransaction, product_id: uuid.UUID, wanted: set[ReleaseKey], by: uuid.UUID
) -> list[str]:
    live = list(
        await tx.session.scalars(
            select(Release).where(
                col(Release.product_id) == product_id, col(Release.revoked_at).is_(None)
            )
        )
    )
    now = utcnow()
    have = {(r.country, r.expires_at): r for r in live}
    changes = []
    for key, release in have.items():
        if key not in wanted:
            release.revoked_at, release.revoked_by_org_id = now, by
            changes.append(f"-{key[0]}")
    await tx.session.flush()  # a revoked row frees its country for a new live release
    for country, expires_at in sorted(wanted - have.keys(), key=lambda k: k[0]):
        tx.session.add(
            Release(
                product_id=product_id, country=country, released_by_org_id=by, expires_at=expires_at
            )
        )
        changes.append(f"+{country}")
    return sorted(changes)


async def _apply(tx: WriteTransaction, row: CheckedRow, report: ImportReport) -> None:
    incoming = row.product
    curator_id = tx.actor.org_id
    assert curator_id is not None
    existing = await tx.session.scalar(
        select(Product)
        .where(
            col(Product.manufacturer_id) == incoming.manufacturer_id,
            col(Product.sku) == incoming.sku,
        )
        .with_for_update()
    )
    if existing is None:
        if row.wanted_id and await tx.session.get(Product, row.wanted_id) is None:
            incoming.id = row.wanted_id
        tx.session.add(incoming)
        await tx.session.flush()
        releases = await _sync_releases(tx, incoming.id, row.releases, curator_id)
        tx.audit(
            "product.imported",
            "Product",
            incoming.id,
            {"sku": incoming.sku, "status": incoming.status, "releases": releases},
        )
        tx.emit("product.changed", "Product", incoming.id)
        report.created += 1
        return
    changed = _changes(existing, incoming)
    for name in changed:
        setattr(existing, name, getattr(incoming, name))
    if "status" in changed and existing.status is ProductStatus.PUBLISHED:
        existing.published_at = existing.published_at or utcnow()
    releases = await _sync_releases(tx, existing.id, row.releases, curator_id)
    if not changed and not releases:
        report.unchanged += 1
        return
    existing.updated_at = utcnow()
    tx.audit(
        "product.import_updated",
        "Product",
        existing.id,
        {"changed": changed, "releases": releases},
    )
    tx.emit("product.changed", "Product", existing.id)
    # A status or release changed by the import holds, resumes or closes open quotes too.
    await reconcile(tx, product_ids=[existing.id])
    report.updated += 1


async def import_catalogue(
    db: Database,
    curator: Organisation,
    lines: Sequence[ParsedLine],
    *,
    partial: bool = False,
    progress: Progress | None = None,
) -> ImportReport:
    """Validate every row, then write all valid rows in one transaction. With rejected rows
    and `partial` unset, nothing is written."""
    async with db.read() as session:
        manufacturers, refused = await reference_data(session)
    valid, rejected = check_rows(lines, manufacturers, refused, progress)
    report = ImportReport(rejected=rejected)
    if rejected and not partial:
        return report
    try:
        async with write(db, importer(curator)) as tx:
            for row in valid:
                await _apply(tx, row, report)
                if progress:
                    progress("write", 1)
            if not tx.audits:
                raise _NothingChanged
    except _NothingChanged:
        return report
    report.written = True
    return report


# ---------------------------------------------------------------- export


def _release_token(release: Release) -> str:
    if release.expires_at is None:
        return release.country
    return f"{release.country}@{release.expires_at.isoformat()}"


def export_row(product: Product, manufacturer: str, releases: list[Release]) -> dict[str, Any]:
    return {
        "id": str(product.id),
        "manufacturer": manufacturer,
        "sku": product.sku,
        "name": product.name,
        "category": product.category.value,
        "summary": product.summary,
        "description": product.description,
        "control_entry": product.control_entry,
        "tech_transfer": product.tech_transfer.value,
        "units_available": product.units_available,
        "lead_time_days": product.lead_time_days,
        "unit_price_eur": str(product.unit_price_eur)
        if product.unit_price_eur is not None
        else None,
        "status": product.status.value,
        "review_note": product.review_note,
        "specs": _normalised_specs(product),
        "combat_record": _normalised_combat_record(product),
        "released_to": sorted(_release_token(r) for r in releases),
        "created_at": product.created_at.isoformat(),
        "published_at": product.published_at.isoformat() if product.published_at else None,
    }


async def export_catalogue(db: Database) -> list[dict[str, Any]]:
    """Every product with its status and live (unrevoked, unexpired) releases, by
    manufacturer slug and SKU."""
    now = utcnow()
    async with db.read() as session:
        rows = list(
            await session.execute(
                select(Product, col(Organisation.slug))
                .join(Organisation, col(Organisation.id) == col(Product.manufacturer_id))
                .order_by(Organisation.slug, Product.sku)
            )
        )
        releases: dict[uuid.UUID, list[Release]] = {}
        for release in await session.scalars(
            select(Release).where(col(Release.revoked_at).is_(None))
        ):
            if release.expires_at is None or release.expires_at > now:
                releases.setdefault(release.product_id, []).append(release)
    return [export_row(p, slug, releases.get(p.id, [])) for p, slug in rows]
