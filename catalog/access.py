"""Who may see or do what, beside `catalog/visibility.py` (which products a caller sees).

Every rule of the form "may this principal read or change that" lives here, so that a reader
checking the access model reads one file.

Who sees a quote (`visible_quotes`): the partner organisation that asked, the manufacturer of
the product, and licensing officers. Anyone else gets "not found".
"""

from sqlalchemy import ColumnElement, false, select, true

from catalog.core.enums import SCOPES_BY_KIND, OrgKind, VettingStatus
from catalog.core.principal import Principal
from catalog.models import Organisation, Product, QuoteRequest


def visible_quotes(principal: Principal) -> ColumnElement[bool]:
    if principal.kind is OrgKind.LICENSING:
        return true()
    if principal.org_id is None:
        return false()
    if principal.kind is OrgKind.PARTNER and principal.vetting is VettingStatus.VETTED:
        return QuoteRequest.partner_org_id == principal.org_id  # type: ignore[return-value]
    if principal.kind is OrgKind.MANUFACTURER:
        own = select(Product.id).where(Product.manufacturer_id == principal.org_id)
        return QuoteRequest.product_id.in_(own)  # type: ignore[attr-defined,no-any-return]
    return false()


def sees_partner_notes(principal: Principal) -> bool:
    """The partner's own notes are for the partner and licensing, not the manufacturer."""
    return principal.kind in (OrgKind.PARTNER, OrgKind.LICENSING)


def receiver(org: Organisation) -> Principal:
    """The organisation as a caller: what it could read through GraphQL with every scope its
    kind may hold."""
    return Principal.for_organisation(
        org, subject=f"webhooks:{org.slug}", scopes=SCOPES_BY_KIND[org.kind]
    )


def may_receive(org: Organisation) -> bool:
    """A partner that is not (or no longer) vetted may read nothing but itself."""
    return org.kind is not OrgKind.PARTNER or org.vetting is VettingStatus.VETTED
