"""The programme's own structures: export centres, export freezes (the domestic priority),
Build with Ukraine co-production requests and the production lines they license."""

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalog.core.enums import CentreStatus, CoProductionStatus, FreezeScope
from catalog.models.base import JSONType, created_field, enum_type, fk, id_field, timestamp_field


class ExportCentre(SQLModel, table=True):
    """A centre in a partner country that demonstrates, trains, maintains or delivers."""

    __tablename__ = "export_centre"

    id: uuid.UUID = id_field()
    name: str = Field(sa_type=sa.String(200))
    country: str = Field(sa_type=sa.String(2), foreign_key="country.code", ondelete="RESTRICT")
    city: str = Field(sa_type=sa.String(120))
    status: CentreStatus = Field(
        default=CentreStatus.PLANNED, sa_type=enum_type(CentreStatus, "centre_status")
    )
    categories: list[str] = Field(default_factory=list, sa_type=JSONType)
    services: list[str] = Field(default_factory=list, sa_type=JSONType)
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class ProductExportCentre(SQLModel, table=True):
    """A product stocked or demonstrated at a centre (linked by its manufacturer)."""

    __tablename__ = "product_export_centre"
    __table_args__ = (sa.Index("ix_product_export_centre_centre", "centre_id", "product_id"),)

    product_id: uuid.UUID = Field(foreign_key="product.id", primary_key=True, ondelete="RESTRICT")
    centre_id: uuid.UUID = Field(
        foreign_key="export_centre.id", primary_key=True, ondelete="RESTRICT"
    )
    created_at: datetime = created_field()


class ExportFreeze(SQLModel, table=True):
    """Exports of a category or of a control-entry prefix stopped while the armed forces need
    them. Lifting keeps the row; each change bumps `version`."""

    __tablename__ = "export_freeze"
    __table_args__ = (sa.Index("ix_export_freeze_lifted", "lifted_at"),)

    id: uuid.UUID = id_field()
    scope: FreezeScope = Field(sa_type=enum_type(FreezeScope, "freeze_scope"))
    value: str = Field(sa_type=sa.String(32))
    reason: str = Field(sa_type=sa.Text)
    version: int = Field(default=1)
    declared_by: str = Field(sa_type=sa.String(200))
    declared_at: datetime = created_field()
    lifted_by: str | None = Field(default=None, sa_type=sa.String(200))
    lifted_at: datetime | None = timestamp_field()


class CoProductionRequest(SQLModel, table=True):
    """A partner's request to produce a product under licence in a partner country, reviewed
    as its own case: routed (queue, flags, SLA, approvals, explanation) like a quote."""

    __tablename__ = "co_production_request"
    __table_args__ = (
        sa.UniqueConstraint("partner_org_id", "idempotency_key"),
        sa.CheckConstraint("planned_units_per_year > 0", name="planned_units_positive"),
        sa.Index("ix_co_production_request_created", "created_at", "id"),
    )

    id: uuid.UUID = id_field()
    partner_org_id: uuid.UUID = fk("organisation.id", index=False)
    product_id: uuid.UUID = fk("product.id")
    production_country: str = Field(
        sa_type=sa.String(2), foreign_key="country.code", ondelete="RESTRICT"
    )
    local_partner_name: str = Field(sa_type=sa.String(300))
    planned_units_per_year: int
    technology_scope: list[str] = Field(default_factory=list, sa_type=JSONType)
    idempotency_key: str = Field(sa_type=sa.String(128))
    status: CoProductionStatus = Field(
        default=CoProductionStatus.TECH_TRANSFER_REVIEW,
        sa_type=enum_type(CoProductionStatus, "co_production_status"),
    )
    queue: str = Field(sa_type=sa.String(64))
    flags: list[str] = Field(default_factory=list, sa_type=JSONType)
    sla_due_on: date | None = Field(default=None)
    approvals_required: int = Field(default=2)
    # Officer subjects who approved, in order (four-eyes counts distinct officers).
    approvals: list[str] = Field(default_factory=list, sa_type=JSONType)
    rule_set_version: int = Field(foreign_key="rule_set_version.version", ondelete="RESTRICT")
    routing: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    refusal_reason: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = created_field()
    decided_at: datetime | None = timestamp_field()


class ProductionLine(SQLModel, table=True):
    """A licensed Build with Ukraine production line abroad."""

    __tablename__ = "production_line"

    id: uuid.UUID = id_field()
    product_id: uuid.UUID = fk("product.id")
    country: str = Field(sa_type=sa.String(2), foreign_key="country.code", ondelete="RESTRICT")
    local_partner_name: str = Field(sa_type=sa.String(300))
    since: date
    request_id: uuid.UUID | None = fk("co_production_request.id", nullable=True, index=False)
    created_at: datetime = created_field()
