"""Who is calling: the caller's kind and standing, and the refusal every rule raises."""

from catalog.core.enums import OrgKind, VettingStatus
from catalog.core.errors import Codes, DomainError
from catalog.core.principal import Principal


def _refuse_unless(allowed: bool, refusal: str) -> None:
    if not allowed:
        raise DomainError.one(refusal, Codes.FORBIDDEN)


def is_active_partner(principal: Principal) -> bool:
    return principal.kind is OrgKind.PARTNER and principal.vetting is VettingStatus.VETTED


def reads_beyond_me(principal: Principal) -> bool:
    """A suspended or unvetted partner may ask who it is and nothing else."""
    return principal.kind is not OrgKind.PARTNER or principal.vetting is VettingStatus.VETTED


def _is_officer(principal: Principal) -> bool:
    return principal.kind is OrgKind.LICENSING


def _is_curator(principal: Principal) -> bool:
    return principal.kind is OrgKind.CURATOR
