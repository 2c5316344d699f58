"""The programme: export centres, export freezes, sensitive technology, the report."""

from catalog.access.callers import _is_curator, _is_officer, _refuse_unless
from catalog.access.products import sees_release_lists
from catalog.core.enums import OrgKind
from catalog.core.principal import Principal

# Curators keep the export centres; licensing officers with the rules declare export freezes
# and mark sensitive technology; partners ask for co-production; the programme's report is for
# curators and licensing.


def require_centre_curator(principal: Principal) -> None:
    _refuse_unless(_is_curator(principal), "only curators maintain export centres")


def require_freeze_officer(principal: Principal) -> None:
    _refuse_unless(_is_officer(principal), "only licensing officers declare export freezes")


def require_report_reader(principal: Principal) -> None:
    allowed = principal.kind in (OrgKind.CURATOR, OrgKind.LICENSING)
    _refuse_unless(allowed, "only curators and licensing officers read the programme report")


def sees_programme_internals(principal: Principal) -> bool:
    """Domestic reserves, sensitivity marks and every co-production request: curators,
    licensing and the owning manufacturer (a partner sees its own requests only)."""
    return sees_release_lists(principal)
