"""Building catalogues and principals for the search tests, through the one write path."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy import select, update

from catalog.core.db import Database
from catalog.core.enums import ProductCategory, ProductStatus, TechTransfer
from catalog.core.principal import SYSTEM, Principal
from catalog.core.transactions import write
from catalog.models import Organisation, Product, Release
from catalog.models.base import utcnow


async def principal_for(db: Database, slug: str) -> Principal:
    async with db.read() as session:
        org = (
            await session.execute(select(Organisation).where(Organisation.slug == slug))
        ).scalar_one()
    return Principal.for_organisation(
        org, subject=f"test:{slug}", scopes=frozenset({"catalog:read"})
    )


async def org_id(db: Database, slug: str) -> uuid.UUID:
    return (await principal_for(db, slug)).org_id  # type: ignore[return-value]


async def add_product(
    db: Database,
    name: str,
    *,
    countries: tuple[str, ...] = (),
    category: ProductCategory = ProductCategory.GROUND_DRONE,
    status: ProductStatus = ProductStatus.PUBLISHED,
    manufacturer: str = "demo-manufacturer-1",
    summary: str = "A test listing.",
    control_entry: str = "ML6.a",
    expires_at: datetime | None = None,
) -> uuid.UUID:
    maker = await org_id(db, manufacturer)
    curator = await org_id(db, "demo-curator")
    async with write(db, SYSTEM) as tx:
        product = Product(
            manufacturer_id=maker,
            sku=f"T-{uuid.uuid4().hex[:10]}",
            name=name,
            category=category,
            summary=summary,
            control_entry=control_entry,
            tech_transfer=TechTransfer.NONE,
            units_available=5,
            status=status,
        )
        tx.session.add(product)
        await tx.session.flush()
        for country in countries:
            tx.session.add(
                Release(
                    product_id=product.id,
                    country=country,
                    released_by_org_id=curator,
                    expires_at=expires_at,
                )
            )
        tx.audit("product.created", "Product", product.id, {"name": name})
        tx.emit("product.changed", "Product", product.id)
    return product.id


async def revoke(db: Database, product_id: uuid.UUID, country: str) -> None:
    async with write(db, SYSTEM) as tx:
        await tx.session.execute(
            update(Release)
            .where(
                Release.product_id == product_id,  # type: ignore[arg-type]
                Release.country == country,  # type: ignore[arg-type]
                Release.revoked_at.is_(None),  # type: ignore[union-attr]
            )
            .values(revoked_at=utcnow())
        )
        tx.audit("release.revoked", "Product", product_id, {"country": country})
        tx.emit("product.changed", "Product", product_id)


async def set_status(db: Database, product_id: uuid.UUID, status: ProductStatus) -> None:
    async with write(db, SYSTEM) as tx:
        await tx.session.execute(
            update(Product).where(Product.id == product_id).values(status=status)  # type: ignore[arg-type]
        )
        tx.audit("product.status", "Product", product_id, {"status": status})
        tx.emit("product.changed", "Product", product_id)


async def rename(db: Database, product_id: uuid.UUID, name: str) -> None:
    async with write(db, SYSTEM) as tx:
        await tx.session.execute(
            update(Product).where(Product.id == product_id).values(name=name)  # type: ignore[arg-type]
        )
        tx.audit("product.updated", "Product", product_id, {"name": name})
        tx.emit("product.changed", "Product", product_id)


async def rename_organisation(db: Database, slug: str, name: str) -> None:
    async with write(db, SYSTEM) as tx:
        org = (
            await tx.session.execute(select(Organisation).where(Organisation.slug == slug))
        ).scalar_one()
        org.name = name
        tx.audit("organisation.renamed", "Organisation", org.id, {"name": name})
        tx.emit("organisation.changed", "Organisation", org.id)


async def live_pairs(db: Database) -> set[tuple[str, uuid.UUID]]:
    """(country, product) for every release that is not revoked."""
    async with db.read() as session:
        rows = await session.execute(
            sa.text("SELECT DISTINCT country, product_id FROM release WHERE revoked_at IS NULL")
        )
        return {(country, _uuid(product)) for country, product in rows}


async def indexed_pairs(db: Database) -> set[tuple[str, uuid.UUID]]:
    """(country, product) as the search index records them for narrowing (migration 0014)."""
    async with db.read() as session:
        if not db.is_sqlite:
            rows = await session.execute(
                sa.text("SELECT unnest(released_to), product_id FROM product_search")
            )
            return {(country, _uuid(product)) for country, product in rows}
        rows = await session.execute(
            sa.text(
                "SELECT r.country, r.product_id, s.product_id FROM product_search_release AS r"
                " LEFT JOIN product_search AS s ON s.doc_id = r.doc_id"
            )
        )
        pairs = set()
        for country, product, document_product in rows:
            # Every pair points at a live document, and at that document's product.
            assert document_product == product, (country, product, document_product)
            pairs.add((country, _uuid(product)))
        return pairs


def _uuid(value: object) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))
