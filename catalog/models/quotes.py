"""Quote requests from partner agencies."""

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalog.core.enums import QuoteStatus
from catalog.models.base import created_field, enum_type, fk, id_field


class QuoteRequest(SQLModel, table=True):
    __tablename__ = "quote_request"
    __table_args__ = (
        sa.UniqueConstraint("partner_org_id", "idempotency_key"),
        sa.CheckConstraint("quantity > 0", name="quantity_positive"),
        sa.CheckConstraint("offer_unit_price IS NULL OR offer_unit_price >= 0", name="offer_price"),
        sa.Index("ix_quote_request_partner_created", "partner_org_id", "created_at", "id"),
        sa.Index("ix_quote_request_product_created", "product_id", "created_at", "id"),
        # Licensing officers list every quote, newest first.
        sa.Index("ix_quote_request_created", "created_at", "id"),
    )

    id: uuid.UUID = id_field()
    partner_org_id: uuid.UUID = fk("organisation.id", index=False)
    product_id: uuid.UUID = fk("product.id", index=False)
    quantity: int
    delivery_country: str = Field(
        sa_type=sa.String(2), foreign_key="country.code", ondelete="RESTRICT"
    )
    end_user: str = Field(sa_type=sa.String(300))
    end_use: str = Field(sa_type=sa.Text)
    co_production: bool = Field(default=False)
    required_by: date | None = Field(default=None)
    notes: str | None = Field(default=None, sa_type=sa.Text)
    idempotency_key: str = Field(sa_type=sa.String(128))
    status: QuoteStatus = Field(
        default=QuoteStatus.LICENSING_REVIEW, sa_type=enum_type(QuoteStatus, "quote_status")
    )
    refusal_reason: str | None = Field(default=None, sa_type=sa.Text)
    # The officers' latest question to the partner and the partner's answer (both shared).
    info_request: str | None = Field(default=None, sa_type=sa.Text)
    info_response: str | None = Field(default=None, sa_type=sa.Text)
    offer_unit_price: Decimal | None = Field(default=None, sa_type=sa.Numeric(14, 2))
    offer_currency: str | None = Field(default=None, sa_type=sa.String(3))
    offer_lead_time_days: int | None = Field(default=None)
    offer_valid_until: date | None = Field(default=None)
    created_at: datetime = created_field()
    updated_at: datetime = created_field()
