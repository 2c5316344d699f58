"""Quote requests from partner agencies, and the manufacturer's offers on them."""

import uuid
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalog.core.enums import QuoteStatus
from catalog.models.base import created_field, enum_type, fk, id_field, timestamp_field

# Totals: a unit price of up to 10^12 times any quantity.
TOTAL = sa.Numeric(20, 2)


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
    # Delivered through this export centre (its country is a transit country for routing).
    export_centre_id: uuid.UUID | None = fk("export_centre.id", nullable=True, index=False)
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
    # The product's unit price when the quote was routed (a snapshot: later price edits do not
    # change it), and the value the licence covers: price x quantity at request, then the total
    # of an offer the officers approved. Null when the product had no price.
    routed_unit_price_eur: Decimal | None = Field(default=None, sa_type=sa.Numeric(14, 2))
    licensed_value: Decimal | None = Field(default=None, sa_type=TOTAL)
    licensed_currency: str | None = Field(default=None, sa_type=sa.String(3))
    # The current offer (its latest revision); every revision is also a QuoteOffer row.
    offer_unit_price: Decimal | None = Field(default=None, sa_type=sa.Numeric(14, 2))
    offer_currency: str | None = Field(default=None, sa_type=sa.String(3))
    offer_lead_time_days: int | None = Field(default=None)
    offer_valid_until: date | None = Field(default=None)
    offer_revision: int = Field(default=0)
    # The current offer waits for licensing review and has not reached the partner.
    offer_pending: bool = Field(default=False)
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class QuoteOffer(SQLModel, table=True):
    """One revision of the manufacturer's offer on a quote, kept as made."""

    __tablename__ = "quote_offer"
    __table_args__ = (
        sa.UniqueConstraint("quote_request_id", "revision"),
        sa.CheckConstraint("unit_price >= 0", name="unit_price"),
    )

    id: uuid.UUID = id_field()
    quote_request_id: uuid.UUID = fk("quote_request.id", index=False)
    revision: int
    unit_price: Decimal = Field(sa_type=sa.Numeric(14, 2))
    currency: str = Field(sa_type=sa.String(3))
    lead_time_days: int
    valid_until: date
    total: Decimal = Field(sa_type=TOTAL)
    # Above the licensed value (or in another currency): sent back to licensing review.
    went_to_review: bool = Field(default=False)
    # When it reached the partner (null while under review, or if it never did).
    released_at: datetime | None = timestamp_field()
    created_by: str = Field(sa_type=sa.String(200))
    created_at: datetime = created_field()
