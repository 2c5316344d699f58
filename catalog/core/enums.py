"""Enumerations of the domain. Stored as strings with CHECK constraints."""

from enum import StrEnum


class OrgKind(StrEnum):
    PARTNER = "PARTNER"
    MANUFACTURER = "MANUFACTURER"
    CURATOR = "CURATOR"
    LICENSING = "LICENSING"


class VettingStatus(StrEnum):
    PENDING = "PENDING"
    VETTED = "VETTED"
    SUSPENDED = "SUSPENDED"


class ProductCategory(StrEnum):
    GROUND_DRONE = "GROUND_DRONE"
    NAVAL_DRONE = "NAVAL_DRONE"
    SOFTWARE = "SOFTWARE"


class TechTransfer(StrEnum):
    NONE = "NONE"
    MAINTENANCE = "MAINTENANCE"
    LICENSED_PRODUCTION = "LICENSED_PRODUCTION"


class ProductStatus(StrEnum):
    DRAFT = "DRAFT"
    SUBMITTED = "SUBMITTED"
    CHANGES_REQUESTED = "CHANGES_REQUESTED"
    PUBLISHED = "PUBLISHED"
    WITHDRAWN = "WITHDRAWN"
    SUSPENDED = "SUSPENDED"


class QuoteStatus(StrEnum):
    LICENSING_REVIEW = "LICENSING_REVIEW"
    INFO_REQUESTED = "INFO_REQUESTED"
    LICENSED = "LICENSED"
    REFUSED = "REFUSED"
    OFFERED = "OFFERED"
    ACCEPTED = "ACCEPTED"
    DECLINED = "DECLINED"
    WITHDRAWN = "WITHDRAWN"
    CLOSED = "CLOSED"  # the listing was withdrawn before the quote was accepted


class CaseStatus(StrEnum):
    OPEN = "OPEN"
    INFO_REQUESTED = "INFO_REQUESTED"
    APPROVED = "APPROVED"
    REFUSED = "REFUSED"
    CLOSED = "CLOSED"
    ON_HOLD = "ON_HOLD"  # an export-control cause appeared; resumes where it left off


class CaseDecisionKind(StrEnum):
    APPROVE = "APPROVE"
    REFUSE = "REFUSE"
    REQUEST_INFO = "REQUEST_INFO"


# The scopes each kind of organisation may ever hold; a client of that kind is refused any other.
SCOPES_BY_KIND: dict[OrgKind, frozenset[str]] = {
    OrgKind.PARTNER: frozenset({"catalog:read", "quotes:request", "quotes:read"}),
    OrgKind.MANUFACTURER: frozenset(
        {"catalog:read", "products:write", "quotes:read", "quotes:respond"}
    ),
    OrgKind.CURATOR: frozenset({"catalog:read", "catalog:curate", "partners:vet", "audit:read"}),
    OrgKind.LICENSING: frozenset(
        {"catalog:read", "quotes:read", "licensing:review", "licensing:rules", "audit:read"}
    ),
}


class RevisionStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    SUPERSEDED = "SUPERSEDED"  # replaced by a newer edit, or dropped when the listing left review
