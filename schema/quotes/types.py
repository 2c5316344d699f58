"""The QuoteRequest type, its offers and the connection."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Any, TypeAlias

import strawberry
from strawberry.types import Info

from catalog import access
from catalog.core.enums import CaseStatus, QuoteStatus
from catalog.models import QuoteOffer
from catalog.quotes.invariants import public_reason
from catalog.quotes.requests import QuoteRow
from schema.context import Context
from schema.documents.types import Document
from schema.licensing.types import LicensingCase
from schema.loaders import (
    organisation_loader,
    quote_case_loader,
    quote_documents_loader,
    quote_loader,
    quote_offers_loader,
)
from schema.organisations.types import Partner
from schema.products.types import Product, load_visible_product
from schema.programme.loaders import centre_loader
from schema.programme.types import ExportCentre
from schema.relay import Node, to_global_id

# strawberry.enum registers the class in place and returns it; the alias is the same
# class under a name mypy accepts as a type.
strawberry.enum(QuoteStatus, name="QuoteStatus")
QuoteStatusEnum: TypeAlias = QuoteStatus


@strawberry.type
class Offer:
    revision: int
    unit_price: Decimal
    currency: str
    lead_time_days: int
    valid_until: date
    total: Decimal
    pending_review: bool = strawberry.field(
        description="Above the licensed value (or in another currency): waiting for licensing "
        "review; it has not reached the partner."
    )
    created_at: datetime | None

    @classmethod
    def from_row(cls, row: QuoteOffer) -> "Offer":
        return cls(
            revision=row.revision,
            unit_price=row.unit_price,
            currency=row.currency,
            lead_time_days=row.lead_time_days,
            valid_until=row.valid_until,
            total=row.total,
            pending_review=row.went_to_review and row.released_at is None,
            created_at=row.created_at,
        )


@strawberry.type
class QuoteRequest(Node):
    row: strawberry.Private[QuoteRow]
    status: QuoteStatusEnum
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

    @strawberry.field(description="The export centre the delivery goes through, if any.")
    async def export_centre(self, info: Info[Context, Any]) -> ExportCentre | None:
        if self.row.export_centre_id is None:
            return None
        row = await centre_loader(info).load(self.row.export_centre_id)
        return ExportCentre.from_row(row) if row is not None else None

    @strawberry.field(description="The partner's own notes; not shown to the manufacturer.")
    def notes(self, info: Info[Context, Any]) -> str | None:
        if not access.sees_partner_notes(info.context.principal):
            return None
        return self.row.notes

    @strawberry.field(
        description="The manufacturer's current offer, once made. The partner does not see an "
        "offer while it waits for licensing review."
    )
    def offer(self, info: Info[Context, Any]) -> Offer | None:
        row = self.row
        if row.offer_unit_price is None or row.offer_currency is None:
            return None
        if row.offer_pending and not access.sees_pending_offers(info.context.principal):
            return None
        assert row.offer_lead_time_days is not None and row.offer_valid_until is not None
        return Offer(
            revision=row.offer_revision,
            unit_price=row.offer_unit_price,
            currency=row.offer_currency,
            lead_time_days=row.offer_lead_time_days,
            valid_until=row.offer_valid_until,
            total=row.offer_unit_price * row.quantity,
            pending_review=row.offer_pending,
            created_at=None,
        )

    @strawberry.field(
        description="Every revision of the offer, oldest first. The partner sees the ones that "
        "reached it."
    )
    async def offers(self, info: Info[Context, Any]) -> list[Offer]:
        rows = await quote_offers_loader(info).load(self.row.id)
        if not access.sees_pending_offers(info.context.principal):
            rows = [r for r in rows if r.released_at is not None]
        return [Offer.from_row(r) for r in rows]

    @strawberry.field(
        description="The value the licence covers: the unit price the quote was routed on "
        "times the quantity, then the total of an offer licensing approved. Null when the "
        "product had no price (routed as of unknown value)."
    )
    def licensed_value(self) -> Decimal | None:
        return self.row.licensed_value

    @strawberry.field(description="The currency of `licensedValue`.")
    def licensed_currency(self) -> str | None:
        return self.row.licensed_currency

    @strawberry.field(
        description="The product's unit price (EUR) when the quote was routed: a snapshot."
    )
    def routed_unit_price_eur(self) -> Decimal | None:
        return self.row.routed_unit_price_eur

    @strawberry.field(
        description="Its licensing case is on hold: an export-control cause appeared (see "
        "holdReason); nothing moves until it is lifted."
    )
    async def on_hold(self, info: Info[Context, Any]) -> bool:
        case = await quote_case_loader(info).load(self.row.id)
        return case is not None and case.status is CaseStatus.ON_HOLD

    @strawberry.field(description="Why the quote is on hold, in words fit for the partner.")
    async def hold_reason(self, info: Info[Context, Any]) -> str | None:
        case = await quote_case_loader(info).load(self.row.id)
        if case is None or case.status is not CaseStatus.ON_HOLD:
            return None
        return public_reason(case.hold_causes)

    @strawberry.field(description="Why the quote was CLOSED, in words fit for the partner.")
    async def closed_reason(self, info: Info[Context, Any]) -> str | None:
        if self.row.status is not QuoteStatus.CLOSED:
            return None
        case = await quote_case_loader(info).load(self.row.id)
        return public_reason(case.hold_causes) if case is not None else None

    @strawberry.field(description="The product, while the caller may still see it.")
    async def product(self, info: Info[Context, Any]) -> Product | None:
        return await load_visible_product(info, self.row.product_id)

    @strawberry.field
    async def partner(self, info: Info[Context, Any]) -> Partner:
        org = await organisation_loader(info).load(self.row.partner_org_id)
        assert org is not None  # foreign key
        return Partner.from_row(org)

    @strawberry.field(
        description="Documents on the quote the caller may see: the end-user certificate (the "
        "partner, licensing and, once licensed, the manufacturer), the licence, offer "
        "documents (the partner once the offer reached it). Oldest first."
    )
    async def documents(self, info: Info[Context, Any]) -> list[Document]:
        rows = await quote_documents_loader(info).load(self.row.id)
        return [Document.from_row(r) for r in rows]

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
