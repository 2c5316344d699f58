"""Licensing and the audit log: cases, decisions, routing rules, audit payloads."""

import uuid

from catalog.access.callers import _is_officer, _refuse_unless
from catalog.core.enums import OrgKind
from catalog.core.principal import Principal
from catalog.models import Organisation


def sees_cases(principal: Principal) -> bool:
    return _is_officer(principal)


def is_case_officer(officer_org: Organisation) -> bool:
    """A person cases may be assigned to: an officer of a licensing organisation."""
    return officer_org.kind is OrgKind.LICENSING


def require_officer(principal: Principal) -> None:
    _refuse_unless(_is_officer(principal), "only licensing officers work cases")


def require_named_officer(principal: Principal) -> uuid.UUID:
    """The person deciding: people, not clients, decide, and four-eyes counts people."""
    require_officer(principal)
    allowed = principal.officer_id is not None
    _refuse_unless(allowed, "decisions are made by named officers: this client is bound to none")
    assert principal.officer_id is not None
    return principal.officer_id


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
    # Uploads and downloads name quotes' certificates: for readers of quotes only.
    "Document": "quotes:read",
    "ExportFreeze": "catalog:read",
    "ExportCentre": "catalog:read",
    "ProductionLine": "catalog:read",
    "CoProductionRequest": "licensing:review",
    "Officer": "organisations:manage",
    "OAuthClient": "organisations:manage",
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
