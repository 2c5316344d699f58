"""Quotes: who sees, asks for, answers and offers on a quote."""

import uuid
from typing import Protocol, TypeVar

from sqlalchemy import ColumnElement, false, select, true
from sqlmodel import col

from catalog.access.callers import _refuse_unless, is_active_partner
from catalog.core.enums import OrgKind, VettingStatus
from catalog.core.principal import Principal
from catalog.models import Product, QuoteRequest


def visible_quotes(principal: Principal) -> ColumnElement[bool]:
    if principal.kind is OrgKind.LICENSING:
        return true()
    if principal.org_id is None:
        return false()
    if is_active_partner(principal):
        return col(QuoteRequest.partner_org_id) == principal.org_id
    if principal.kind is OrgKind.MANUFACTURER:
        own = select(col(Product.id)).where(col(Product.manufacturer_id) == principal.org_id)
        return col(QuoteRequest.product_id).in_(own)
    return false()


REQUEST_QUOTES_REFUSAL = "only vetted partner organisations request quotes"


def require_active_partner(principal: Principal) -> uuid.UUID:
    """The partner organisation asking for a quote."""
    allowed = is_active_partner(principal) and principal.org_id is not None
    _refuse_unless(allowed, REQUEST_QUOTES_REFUSAL)
    assert principal.org_id is not None
    return principal.org_id


class VettedFacts(Protocol):
    """What the check reads: an `Organisation` row, or the same columns read alone."""

    @property
    def kind(self) -> OrgKind: ...
    @property
    def vetting(self) -> VettingStatus: ...


Vetted = TypeVar("Vetted", bound=VettedFacts)


def require_vetted_partner(org: Vetted | None) -> Vetted:
    """The same rule against the organisation row read inside the quote's transaction, so a
    partner suspended a moment ago cannot slip a quote in."""
    allowed = (
        org is not None and org.kind is OrgKind.PARTNER and org.vetting is VettingStatus.VETTED
    )
    _refuse_unless(allowed, REQUEST_QUOTES_REFUSAL)
    assert org is not None
    return org


def require_requesting_partner(principal: Principal) -> None:
    _refuse_unless(is_active_partner(principal), "only the requesting partner may do this")


def require_offering_manufacturer(principal: Principal) -> None:
    allowed = principal.kind is OrgKind.MANUFACTURER
    _refuse_unless(allowed, "only the product's manufacturer makes offers")


def sees_pending_offers(principal: Principal) -> bool:
    """Offers still under licensing review: the manufacturer and licensing; the partner sees an
    offer only once it reaches it."""
    return principal.kind in (OrgKind.MANUFACTURER, OrgKind.LICENSING)


def sees_partner_notes(principal: Principal) -> bool:
    """The partner's own notes are for the partner and licensing, not the manufacturer."""
    return principal.kind in (OrgKind.PARTNER, OrgKind.LICENSING)
