"""The QuoteRequest type, its offer and the connection."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from catalog import access
from catalog.core.enums import QuoteStatus
from catalog.models import QuoteRequest as QuoteRow
from schema.context import Context
from schema.licensing.types import LicensingCase
from schema.loaders import organisation_loader, quote_case_loader, quote_loader
from schema.organisations.types import Partner
from schema.products.types import Product, load_visible_product
from schema.relay import Node, to_global_id

QuoteStatusEnum = strawberry.enum(QuoteStatus, name="QuoteStatus")


@strawberry.type
class Offer:
    unit_price: Decimal
    currency: str
    lead_time_days: int
    valid_until: date


@strawberry.type
class QuoteRequest(Node):
    row: strawberry.Private[QuoteRow]
    status: QuoteStatusEnum  # type: ignore[valid-type]
    quantity: int
    delivery_country: str
    end_user: str
    end_use: str
    co_production: bool
    required_by: date | None
    refusal_reason: str | None = strawberry.field(description="Why licensing refused.")
    info_request: str | None = strawberry.field(description="The officers' latest question.")
    info_response: str | None = strawberry.field(description="The partner's answer.")
    created_at: datetime
    updated_at: datetime

    @strawberry.field(description="The partner's own notes; not shown to the manufacturer.")
    def notes(self, info: Info[Context, Any]) -> str | None:
        if not access.sees_partner_notes(info.context.principal):
            return None
        return self.row.notes

    @strawberry.field(description="The manufacturer's offer, once made.")
    def offer(self) -> Offer | None:
        row = self.row
        if row.offer_unit_price is None or row.offer_currency is None:
            return None
        assert row.offer_lead_time_days is not None and row.offer_valid_until is not None
        return Offer(
            unit_price=row.offer_unit_price,
            currency=row.offer_currency,
            lead_time_days=row.offer_lead_time_days,
            valid_until=row.offer_valid_until,
        )

    @strawberry.field(description="The product, while the caller may still see it.")
    async def product(self, info: Info[Context, Any]) -> Product | None:
        return await load_visible_product(info, self.row.product_id)

    @strawberry.field
    async def partner(self, info: Info[Context, Any]) -> Partner:
        org = await organisation_loader(info).load(self.row.partner_org_id)
        assert org is not None  # foreign key
        return Partner.from_row(org)

    @strawberry.field
    async def licensing_case(self, info: Info[Context, Any]) -> LicensingCase | None:
        row = await quote_case_loader(info).load(self.row.id)
        return LicensingCase.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: QuoteRow) -> "QuoteRequest":
        return cls(
            id=to_global_id("QuoteRequest", row.id),
            row=row,
            status=row.status,
            quantity=row.quantity,
            delivery_country=row.delivery_country,
            end_user=row.end_user,
            end_use=row.end_use,
            co_production=row.co_production,
            required_by=row.required_by,
            refusal_reason=row.refusal_reason,
            info_request=row.info_request,
            info_response=row.info_response,
            created_at=row.created_at,
            updated_at=row.updated_at,
        )


async def load_quote(info: Info[Context, Any], quote_id: uuid.UUID) -> QuoteRequest | None:
    row = await quote_loader(info).load(quote_id)
    return QuoteRequest.from_row(row) if row is not None else None
