"""Products and organisations: listings, releases, revisions, onboarding, clients."""

import uuid

from catalog.access.callers import _is_curator, _is_officer, _refuse_unless, reads_beyond_me
from catalog.core.enums import OrgKind
from catalog.core.principal import Principal


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


def require_onboarding_curator(principal: Principal) -> None:
    allowed = _is_curator(principal) and principal.has_scope("organisations:manage")
    _refuse_unless(allowed, "only curators onboard organisations and officers")


def administers_clients_of(principal: Principal, org_id: uuid.UUID) -> bool:
    """Curators administer every organisation's clients; a partner or manufacturer its own
    (a partner only while vetted)."""
    if _is_curator(principal):
        return principal.has_scope("organisations:manage")
    own = (
        principal.org_id == org_id
        and principal.kind in (OrgKind.PARTNER, OrgKind.MANUFACTURER)
        and reads_beyond_me(principal)
    )
    return own and principal.has_scope("clients:manage")


def require_client_admin(principal: Principal, org_id: uuid.UUID) -> None:
    allowed = administers_clients_of(principal, org_id)
    _refuse_unless(allowed, "only curators, or the organisation itself, manage its API clients")


def require_partner_list_curator(principal: Principal) -> None:
    _refuse_unless(_is_curator(principal), "only curators keep the partner-country list")


def require_embargo_officer(principal: Principal) -> None:
    _refuse_unless(_is_officer(principal), "only licensing officers impose or lift embargoes")
