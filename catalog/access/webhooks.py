"""Webhooks: who registers endpoints and who hears which event."""

import uuid
from dataclasses import dataclass

from catalog.access.callers import _refuse_unless, reads_beyond_me
from catalog.core.enums import SCOPES_BY_KIND, OrgKind, VettingStatus
from catalog.core.principal import Principal
from catalog.models import Organisation


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
    "catalogue.changed": EventRule("catalog:read", frozenset({OrgKind.PARTNER})),
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
