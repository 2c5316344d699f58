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


class DocumentKind(StrEnum):
    DATASHEET = "DATASHEET"  # a manufacturer's, on its product
    END_USER_CERTIFICATE = "END_USER_CERTIFICATE"  # the partner's, on its quote
    LICENCE = "LICENCE"  # licensing's, on an approved case's quote
    OFFER = "OFFER"  # the manufacturer's, with its offer on a quote


# The scopes each kind of organisation may ever hold; a client of that kind is refused any other.
SCOPES_BY_KIND: dict[OrgKind, frozenset[str]] = {
    OrgKind.PARTNER: frozenset({"catalog:read", "quotes:request", "quotes:read", "clients:manage"}),
    OrgKind.MANUFACTURER: frozenset(
        {"catalog:read", "products:write", "quotes:read", "quotes:respond", "clients:manage"}
    ),
    OrgKind.CURATOR: frozenset(
        {"catalog:read", "catalog:curate", "partners:vet", "organisations:manage", "audit:read"}
    ),
    OrgKind.LICENSING: frozenset(
        {"catalog:read", "quotes:read", "licensing:review", "licensing:rules", "audit:read"}
    ),
}

# Kinds whose clients act for one named officer (people, not clients, decide).
OFFICER_KINDS: frozenset[OrgKind] = frozenset({OrgKind.LICENSING, OrgKind.CURATOR})


class CatalogueChangeKind(StrEnum):
    """How a product changed for one partner: it became visible, changed while visible, or
    stopped being visible."""

    ADDED = "ADDED"
    UPDATED = "UPDATED"
    REMOVED = "REMOVED"


class RevisionStatus(StrEnum):
    PENDING = "PENDING"
    APPROVED = "APPROVED"
    REJECTED = "REJECTED"
    SUPERSEDED = "SUPERSEDED"  # replaced by a newer edit, or dropped when the listing left review


class CentreStatus(StrEnum):
    PLANNED = "PLANNED"
    OPEN = "OPEN"
    CLOSED = "CLOSED"


class CentreService(StrEnum):
    DEMONSTRATION = "DEMONSTRATION"
    TRAINING = "TRAINING"
    MAINTENANCE = "MAINTENANCE"
    DELIVERY = "DELIVERY"


class FreezeScope(StrEnum):
    CATEGORY = "CATEGORY"
    CONTROL_ENTRY_PREFIX = "CONTROL_ENTRY_PREFIX"


class CoProductionStatus(StrEnum):
    TECH_TRANSFER_REVIEW = "TECH_TRANSFER_REVIEW"  # routed, waiting for the officers
    LICENSED = "LICENSED"  # approved: a production line runs under licence
    REFUSED = "REFUSED"  # by a hard gate at once, or by an officer
