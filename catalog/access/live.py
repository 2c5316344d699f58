"""Live updates: which subscriptions keep delivering, and what a partner is told."""

from catalog.access.callers import reads_beyond_me
from catalog.core.enums import CatalogueChangeKind, OrgKind
from catalog.core.principal import Principal


def keeps_live_access(principal: Principal) -> bool:
    """Whether a subscription may go on delivering to this (freshly re-checked) caller."""
    return principal.org_id is not None and reads_beyond_me(principal)


def hears_catalogue(principal: Principal) -> bool:
    return principal.kind is OrgKind.PARTNER and principal.has_scope("catalog:read")


def catalogue_change(was_visible: bool, now_visible: bool) -> CatalogueChangeKind | None:
    """What a partner is told about a changed product, from whether it saw the product before
    the change and sees it now; nothing about a product it neither saw nor sees."""
    if now_visible:
        return CatalogueChangeKind.UPDATED if was_visible else CatalogueChangeKind.ADDED
    return CatalogueChangeKind.REMOVED if was_visible else None
