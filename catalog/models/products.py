"""Products (listings) and their releases to partner countries."""

import uuid
from datetime import datetime
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalog.core.enums import ProductCategory, ProductStatus, TechTransfer
from catalog.models.base import (
    JSONType,
    created_field,
    enum_type,
    fk,
    id_field,
    timestamp_field,
)


class Product(SQLModel, table=True):
    __tablename__ = "product"
    __table_args__ = (
        sa.UniqueConstraint("manufacturer_id", "sku"),
        sa.CheckConstraint("units_available >= 0", name="units_available_non_negative"),
        sa.CheckConstraint("units_reserved >= 0", name="units_reserved_non_negative"),
        sa.CheckConstraint("domestic_reserve >= 0", name="domestic_reserve_non_negative"),
        sa.CheckConstraint("lead_time_days IS NULL OR lead_time_days >= 0", name="lead_time"),
        sa.CheckConstraint("unit_price_eur IS NULL OR unit_price_eur >= 0", name="price"),
        # Keyset pagination orders: name, newest, units available (each with id as tiebreak).
        sa.Index("ix_product_status_name_id", "status", "name", "id"),
        sa.Index("ix_product_status_created_id", "status", "created_at", "id"),
        sa.Index("ix_product_status_units_id", "status", "units_available", "id"),
        sa.Index("ix_product_manufacturer_name", "manufacturer_id", "name", "id"),
    )

    id: uuid.UUID = id_field()
    manufacturer_id: uuid.UUID = fk("organisation.id", index=False)
    sku: str = Field(sa_type=sa.String(64))
    name: str = Field(sa_type=sa.String(200))
    category: ProductCategory = Field(sa_type=enum_type(ProductCategory, "product_category"))
    summary: str = Field(sa_type=sa.String(500))
    description: str | None = Field(default=None, sa_type=sa.Text)
    specs: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    combat_record: dict[str, Any] | None = Field(default=None, sa_type=JSONType)
    control_entry: str = Field(sa_type=sa.String(16), index=True)
    tech_transfer: TechTransfer = Field(sa_type=enum_type(TechTransfer, "tech_transfer"))
    # The surplus still offered for export; accepting an offer moves units to units_reserved.
    units_available: int = Field(default=0)
    units_reserved: int = Field(default=0)
    # Units kept for Ukraine's own forces: never exportable, never in units_available.
    domestic_reserve: int = Field(default=0)
    # Marked by licensing: never licensed for production abroad (the whole product, or the
    # named parts of its specs).
    sensitive: bool = Field(default=False)
    sensitive_parts: list[str] = Field(default_factory=list, sa_type=JSONType)
    lead_time_days: int | None = Field(default=None)
    unit_price_eur: Decimal | None = Field(default=None, sa_type=sa.Numeric(14, 2))
    status: ProductStatus = Field(
        default=ProductStatus.DRAFT, sa_type=enum_type(ProductStatus, "product_status")
    )
    review_note: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = created_field()
    updated_at: datetime = created_field()
    published_at: datetime | None = timestamp_field()


class Release(SQLModel, table=True):
    """A product released to one country. Revoking keeps the row (history) and sets revoked_at."""

    __tablename__ = "release"
    __table_args__ = (
        # At most one live release per product and country.
        sa.Index(
            "uq_release_live_product_country",
            "product_id",
            "country",
            unique=True,
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
        # The visibility predicate probes (country, product) for live releases.
        sa.Index("ix_release_country_product", "country", "product_id"),
        # A country's live releases with their expiry, readable from the index alone: what the
        # visibility check of a search needs for every candidate product.
        sa.Index(
            "ix_release_live_country_product_expiry",
            "country",
            "product_id",
            "expires_at",
            sqlite_where=sa.text("revoked_at IS NULL"),
            postgresql_where=sa.text("revoked_at IS NULL"),
        ),
    )

    id: uuid.UUID = id_field()
    product_id: uuid.UUID = fk("product.id", index=False)
    country: str = Field(sa_type=sa.String(2), foreign_key="country.code", ondelete="RESTRICT")
    released_by_org_id: uuid.UUID = fk("organisation.id", index=False)
    released_at: datetime = created_field()
    expires_at: datetime | None = timestamp_field()
    revoked_at: datetime | None = timestamp_field()
    revoked_by_org_id: uuid.UUID | None = fk("organisation.id", nullable=True, index=False)
