"""Types of the programme's structures."""

from datetime import datetime

import strawberry

from catalog.core.enums import FreezeScope
from catalog.models import ExportFreeze as FreezeRow
from schema.relay import to_global_id

FreezeScopeEnum = strawberry.enum(FreezeScope, name="FreezeScope")
RULES = "licensing:rules"


@strawberry.type(
    description="Exports of a category or control-entry prefix frozen while "
    "Ukraine's armed forces need them (the domestic priority)."
)
class ExportFreeze:
    id: strawberry.ID
    scope: FreezeScopeEnum  # type: ignore[valid-type]
    value: str
    reason: str
    version: int = strawberry.field(description="Bumped by every change (lifting).")
    active: bool
    declared_by: str
    declared_at: datetime
    lifted_by: str | None
    lifted_at: datetime | None

    @classmethod
    def from_row(cls, row: FreezeRow) -> "ExportFreeze":
        return cls(
            id=to_global_id("ExportFreeze", row.id),
            scope=row.scope,
            value=row.value,
            reason=row.reason,
            version=row.version,
            active=row.lifted_at is None,
            declared_by=row.declared_by,
            declared_at=row.declared_at,
            lifted_by=row.lifted_by,
            lifted_at=row.lifted_at,
        )
