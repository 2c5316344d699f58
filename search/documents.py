"""Product documents for an external index (Meilisearch), read from the database."""

import uuid
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlmodel import col

from catalog.core.db import Database
from catalog.models import Organisation, Product, Release
from catalog.models.base import utcnow

CATEGORY_WORDS = {
    "GROUND_DRONE": "ground drone UGV",
    "NAVAL_DRONE": "naval drone USV sea drone",
    "SOFTWARE": "software",
}


def control_entry_prefixes(entry: str) -> list[str]:
    """Every prefix of the control entry, so a prefix filter becomes an equality filter."""
    upper = entry.upper()
    return [upper[:i] for i in range(1, len(upper) + 1)]


def _combat_text(record: dict[str, Any] | None) -> str:
    if not isinstance(record, dict):
        return ""
    roles = record.get("roles")
    words = [str(record.get("evidence") or "")]
    if isinstance(roles, list):
        words += [str(r) for r in roles]
    return " ".join(w for w in words if w)


def document(product: Product, manufacturer: str, releases: Sequence[Release]) -> dict[str, Any]:
    live = [r for r in releases if r.revoked_at is None]
    return {
        "id": str(product.id),
        "name": product.name,
        "summary": product.summary,
        "description": product.description or "",
        "combat": _combat_text(product.combat_record),
        "manufacturer": manufacturer,
        "keywords": f"{product.control_entry} {product.sku} {CATEGORY_WORDS[product.category]}",
        "manufacturer_id": str(product.manufacturer_id),
        "category": str(product.category),
        "control_entry": product.control_entry,
        "control_entry_prefixes": control_entry_prefixes(product.control_entry),
        "tech_transfer": str(product.tech_transfer),
        "units_available": product.units_available,
        "status": str(product.status),
        "released_countries": sorted({r.country for r in live}),
        # Expiring releases: the search filter compares these with the time of the query.
        "release_expiry": {
            r.country: int(r.expires_at.timestamp()) for r in live if r.expires_at is not None
        },
    }


async def load_documents(
    db: Database, product_ids: Sequence[uuid.UUID]
) -> tuple[list[dict[str, Any]], list[uuid.UUID]]:
    """Documents of the products that exist, and the ids of those that do not."""
    async with db.read() as session:
        rows = (
            await session.execute(
                sa.select(Product, col(Organisation.name))
                .join(Organisation, col(Organisation.id) == col(Product.manufacturer_id))
                .where(col(Product.id).in_(product_ids))
            )
        ).all()
        releases = (
            (
                await session.execute(
                    sa.select(Release).where(
                        col(Release.product_id).in_(product_ids),
                        col(Release.revoked_at).is_(None),
                    )
                )
            )
            .scalars()
            .all()
        )
    by_product: dict[uuid.UUID, list[Release]] = {}
    now = utcnow()
    for release in releases:
        if release.expires_at is None or release.expires_at > now:
            by_product.setdefault(release.product_id, []).append(release)
    documents = [document(p, name, by_product.get(p.id, [])) for p, name in rows]
    found = {p.id for p, _ in rows}
    return documents, [i for i in product_ids if i not in found]
