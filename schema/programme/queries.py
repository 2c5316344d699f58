"""Queries of the programme's structures."""

from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.enums import CentreStatus
from catalog.programme import centres, freezes
from schema.context import Context
from schema.errors import ErrorCode, coded_error
from schema.permissions import require
from schema.programme.types import CentreStatusEnum, ExportCentre, ExportFreeze


def require_any(info: Info[Context, Any], *scopes: str) -> None:
    """One of the scopes (e.g. curators' or licensing's own)."""
    principal = info.context.principal
    if not any(principal.has_scope(s) for s in scopes):
        raise coded_error(
            f"this field needs one of the scopes {', '.join(scopes)}", ErrorCode.FORBIDDEN
        )
    require(info, next(s for s in scopes if principal.has_scope(s)))


@strawberry.type
class ProgrammeQuery:
    @strawberry.field(description="Export freezes, newest first (curators and licensing).")
    async def export_freezes(
        self, info: Info[Context, Any], active_only: bool = False
    ) -> list[ExportFreeze]:
        require_any(info, "catalog:curate", "licensing:review", "licensing:rules")
        async with info.context.db.read() as session:
            rows = await freezes.list_freezes(
                session, info.context.principal, active_only=active_only
            )
        return [ExportFreeze.from_row(r) for r in rows]

    @strawberry.field(description="The programme's export centres, by country and name.")
    async def export_centres(
        self,
        info: Info[Context, Any],
        status: CentreStatusEnum | None = None,
        country: str | None = None,
    ) -> list[ExportCentre]:
        require(info, "catalog:read")
        async with info.context.db.read() as session:
            rows = await centres.list_centres(
                session, status=CentreStatus(status) if status else None, country=country
            )
        return [ExportCentre.from_row(r) for r in rows]
