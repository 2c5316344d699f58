"""Who may see or do what: the access model of the catalogue in one place.

Which products a caller sees is the one predicate `visible_products` in `catalog/visibility.py`;
every other rule of the form "may this caller read or change that" is here, and the domain
modules call these functions instead of comparing organisation kinds themselves. The GraphQL
layer checks token scopes first (`schema/permissions.py`); the rules here look at the
organisation behind the caller, as the database holds it now. A refusal is a `FORBIDDEN`
domain error; an object the caller may not see is "not found" instead.

Callers
- A partner is *active* while its organisation is VETTED. A partner that is not may ask who it
  is and nothing else (`reads_beyond_me`).

Products
- Manufacturers create, edit, submit and withdraw their own listings (`require_manufacturer`).
- Curators publish, ask for changes and suspend listings (`require_listing_curator`) and decide
  which countries a listing is released to (`require_release_curator`).
- Release lists, status and review notes are for curators, licensing and the owning
  manufacturer (`sees_release_lists`), and so are the units reserved by accepted quotes
  (`sees_reserved_units`).
- Revisions proposed for a published listing (`Product.pendingRevision`, `Product.revisions`)
  are for the owning manufacturer, curators and licensing (`sees_revisions`); curators alone
  approve or reject them (`require_revision_curator`). A manufacturer edits a listing's content
  directly while it is a draft, submitted or sent back for changes; once published, edits
  become revisions (the workflow is `catalog/products/revisions.py`).

Organisations and countries
- Curators vet and suspend partners (`require_vetting_curator`).
- Curators keep the programme's partner-country list (`require_partner_list_curator`);
  licensing officers impose and lift embargoes (`require_embargo_officer`).

Quotes
- A quote is seen by the partner that asked (while active), the product's manufacturer and
  licensing officers (`visible_quotes`).
- Active partners request quotes (`require_active_partner`), re-checked against the
  organisation row inside the quote's transaction (`require_vetted_partner`).
- The requesting partner withdraws, answers information requests, accepts and declines
  (`require_requesting_partner`); the product's manufacturer makes the offer
  (`require_offering_manufacturer`). Which quote each may touch is `visible_quotes`.
- The partner's own notes are for the partner and licensing, not the manufacturer
  (`sees_partner_notes`); an offer under licensing review is for the manufacturer and
  licensing until it reaches the partner (`sees_pending_offers`).

Licensing
- Cases are seen and worked by licensing officers only (`sees_cases`, `require_officer`), and
  assigned to officers only: active clients of a licensing organisation that may review
  (`is_officer_client`).
- Routing rules are read and changed by licensing officers only (`sees_routing_rules`,
  `require_rules_officer`), who alone simulate routing (`require_simulation_officer`).

Audit log
- Read by curators and licensing officers (`require_audit_reader`). An event's payload is shown
  only to a reader who could read the entity it describes (`reads_audit_payload`): quotes need
  `quotes:read`, cases `licensing:review`, routing rules `licensing:rules`, partner
  organisations `partners:vet`, webhooks their own organisation; others see that the event
  happened, when and by whom.

Webhooks
- An organisation that may read beyond itself registers endpoints for itself
  (`require_webhook_owner`).
- `WEBHOOK_EVENTS` names, per event, the kinds of organisation that may subscribe and the scope
  the subscribing caller must hold (`may_subscribe`):
  `product.changed`: curators (every product) and manufacturers (their own products);
  `quote.changed`: the partner that asked, the product's manufacturer, licensing;
  `licensing_case.changed`: licensing officers.
- An event is delivered only to an organisation of such a kind (`hears`) that may still read
  (`may_receive`) and that could read the object through GraphQL with every scope its kind may
  hold (`receiver`).
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, false, select, true
from sqlmodel import col

from catalog.core.enums import SCOPES_BY_KIND, OrgKind, VettingStatus
from catalog.core.errors import Codes, DomainError
from catalog.core.principal import Principal
from catalog.models import OAuthClient, Organisation, Product, QuoteRequest


def _refuse_unless(allowed: bool, refusal: str) -> None:
    if not allowed:
        raise DomainError.one(refusal, Codes.FORBIDDEN)


# ---------------------------------------------------------------- callers


def is_active_partner(principal: Principal) -> bool:
    return principal.kind is OrgKind.PARTNER and principal.vetting is VettingStatus.VETTED


def reads_beyond_me(principal: Principal) -> bool:
    """A suspended or unvetted partner may ask who it is and nothing else."""
    return principal.kind is not OrgKind.PARTNER or principal.vetting is VettingStatus.VETTED


def _is_officer(principal: Principal) -> bool:
    return principal.kind is OrgKind.LICENSING


def _is_curator(principal: Principal) -> bool:
    return principal.kind is OrgKind.CURATOR


# ---------------------------------------------------------------- products and organisations


def require_manufacturer(principal: Principal) -> uuid.UUID:
    """The manufacturer organisation acting on its own listings."""
    allowed = principal.kind is OrgKind.MANUFACTURER and principal.org_id is not None
    _refuse_unless(allowed, "only manufacturers manage products")
    assert principal.org_id is not None
    return principal.org_id


def require_listing_curator(principal: Principal) -> None:
    _refuse_unless(_is_curator(principal), "only curators review listings")


def require_release_curator(principal: Principal) -> None:
    _refuse_unless(_is_curator(principal), "only curators release products")


def sees_release_lists(principal: Principal) -> bool:
    """Release lists, status and review notes are for curators, licensing and the owner."""
    return principal.kind in (OrgKind.CURATOR, OrgKind.LICENSING, OrgKind.MANUFACTURER)


def sees_reserved_units(principal: Principal) -> bool:
    """Units reserved by accepted quotes: curators, licensing and the owner; a partner sees
    only what is still available."""
    return sees_release_lists(principal)


def sees_revisions(principal: Principal) -> bool:
    """Proposed changes and their review notes: the owner (a manufacturer sees only its own
    products), curators and licensing, never partners."""
    return sees_release_lists(principal)


def require_revision_curator(principal: Principal) -> None:
    _refuse_unless(_is_curator(principal), "only curators approve or reject listing revisions")


def require_vetting_curator(principal: Principal) -> None:
    _refuse_unless(_is_curator(principal), "only curators vet partners")


def require_partner_list_curator(principal: Principal) -> None:
    _refuse_unless(_is_curator(principal), "only curators keep the partner-country list")


def require_embargo_officer(principal: Principal) -> None:
    _refuse_unless(_is_officer(principal), "only licensing officers impose or lift embargoes")


# ---------------------------------------------------------------- quotes


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


def require_vetted_partner(org: Organisation | None) -> Organisation:
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


# ---------------------------------------------------------------- licensing and audit


def sees_cases(principal: Principal) -> bool:
    return _is_officer(principal)


def is_officer_client(client: OAuthClient, org: Organisation) -> bool:
    """An officer cases may be assigned to: an active OAuth client of a licensing organisation
    that may review cases (officers as named people will replace clients here)."""
    return (
        client.revoked_at is None
        and org.kind is OrgKind.LICENSING
        and "licensing:review" in client.scopes.split()
    )


def require_officer(principal: Principal) -> None:
    _refuse_unless(_is_officer(principal), "only licensing officers work cases")


def sees_routing_rules(principal: Principal) -> bool:
    return _is_officer(principal)


def require_rules_officer(principal: Principal) -> None:
    _refuse_unless(_is_officer(principal), "only licensing officers manage routing rules")


def require_simulation_officer(principal: Principal) -> None:
    _refuse_unless(_is_officer(principal), "only licensing officers simulate routing")


def require_audit_reader(principal: Principal) -> None:
    allowed = principal.kind in (OrgKind.CURATOR, OrgKind.LICENSING)
    _refuse_unless(allowed, "only curators and licensing officers read the audit log")


# The scope that reads the entity an audit event describes, and so the event's payload.
AUDIT_PAYLOAD_SCOPES = {
    "Product": "catalog:read",
    "QuoteRequest": "quotes:read",
    "LicensingCase": "licensing:review",
    "RoutingRule": "licensing:rules",
}


def reads_audit_payload(
    principal: Principal,
    entity_type: str,
    *,
    partner: bool = False,
    owner_org_id: uuid.UUID | None = None,
) -> bool:
    """Whether an audit reader may see the payloads of an entity's events: the same rule as
    reading the entity itself. `partner`: the entity is a partner organisation (its vetting
    record is for those who vet); `owner_org_id`: the organisation a webhook belongs to."""
    if entity_type == "Organisation":
        return principal.has_scope("partners:vet" if partner else "catalog:read")
    if entity_type == "WebhookEndpoint":
        return owner_org_id is not None and owner_org_id == principal.org_id
    scope = AUDIT_PAYLOAD_SCOPES.get(entity_type)
    return scope is not None and principal.has_scope(scope)


# ---------------------------------------------------------------- webhooks


@dataclass(frozen=True)
class EventRule:
    scope: str  # the caller must hold it to subscribe
    kinds: frozenset[OrgKind]  # organisations that may subscribe at all


WEBHOOK_EVENTS: dict[str, EventRule] = {
    "product.changed": EventRule(
        "catalog:read", frozenset({OrgKind.CURATOR, OrgKind.MANUFACTURER})
    ),
    "quote.changed": EventRule(
        "quotes:read", frozenset({OrgKind.PARTNER, OrgKind.MANUFACTURER, OrgKind.LICENSING})
    ),
    "licensing_case.changed": EventRule("licensing:review", frozenset({OrgKind.LICENSING})),
}


def require_webhook_owner(principal: Principal) -> uuid.UUID:
    """The organisation registering an endpoint for itself."""
    allowed = principal.org_id is not None and reads_beyond_me(principal)
    _refuse_unless(allowed, "only organisations may register webhooks")
    assert principal.org_id is not None
    return principal.org_id


def may_subscribe(principal: Principal, event: str) -> bool:
    """Whether the caller may subscribe to a known event."""
    rule = WEBHOOK_EVENTS[event]
    return principal.kind in rule.kinds and principal.has_scope(rule.scope)


def hears(org: Organisation, event: str) -> bool:
    """Whether an organisation of this kind receives the event at all."""
    rule = WEBHOOK_EVENTS.get(event)
    return rule is not None and org.kind in rule.kinds


def organisation_as_caller(org: Organisation, *, subject: str) -> Principal:
    """The organisation as a caller, as its record is now, with every scope its kind may hold:
    what it could read through GraphQL."""
    return Principal.for_organisation(org, subject=subject, scopes=SCOPES_BY_KIND[org.kind])


def receiver(org: Organisation) -> Principal:
    """The organisation as the receiver of a webhook event."""
    return organisation_as_caller(org, subject=f"webhooks:{org.slug}")


def may_receive(org: Organisation) -> bool:
    """A partner that is not (or no longer) vetted may read nothing but itself."""
    return org.kind is not OrgKind.PARTNER or org.vetting is VettingStatus.VETTED
