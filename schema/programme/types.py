"""Types of the programme's structures."""

from datetime import datetime
from typing import TypeAlias

import strawberry

from catalog.core.enums import CentreService, CentreStatus, FreezeScope, ProductCategory
from catalog.models import ExportCentre as CentreRow
from catalog.models import ExportFreeze as FreezeRow
from schema.products.types import ProductCategoryEnum
from schema.relay import to_global_id

strawberry.enum(FreezeScope, name="FreezeScope")
FreezeScopeEnum: TypeAlias = FreezeScope
RULES = "licensing:rules"


@strawberry.type(
    description="Exports of a category or control-entry prefix frozen while "
    "Ukraine's armed forces need them (the domestic priority)."
)
class ExportFreeze:
    id: strawberry.ID
    scope: FreezeScopeEnum
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


strawberry.enum(CentreStatus, name="ExportCentreStatus")
CentreStatusEnum: TypeAlias = CentreStatus
strawberry.enum(CentreService, name="ExportCentreService")
CentreServiceEnum: TypeAlias = CentreService


@strawberry.type(description="An export centre in a partner country.")
class ExportCentre:
    id: strawberry.ID
    name: str
    country: str
    city: str
    status: CentreStatusEnum
    categories: list[ProductCategoryEnum]
    services: list[CentreServiceEnum]
    created_at: datetime
    updated_at: datetime

    @classmethod
    def from_row(cls, row: CentreRow) -> "ExportCentre":
        return cls(
            id=to_global_id("ExportCentre", row.id),
            name=row.name,
            country=row.country,
            city=row.city,
            status=row.status,
            categories=[ProductCategory(c) for c in row.categories],
            services=[CentreService(s) for s in row.services],
            created_at=row.created_at,
            updated_at=row.updated_at,
        )
