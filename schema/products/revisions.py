"""Revisions of published listings as GraphQL types: what changed, before and after."""

from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from catalog.core.enums import RevisionStatus
from catalog.models import ProductRevision as RevisionRow
from schema.context import Context
from schema.loaders import product_loader
from schema.organisations.types import Manufacturer
from schema.relay import lazy_type, to_global_id

if TYPE_CHECKING:
    from schema.products.types import Product

PRODUCT_TYPES = "schema.products.types"

strawberry.enum(
    RevisionStatus,
    name="RevisionStatus",
    description="SUPERSEDED: replaced by a newer edit, or dropped when the listing was withdrawn.",
)
RevisionStatusEnum: TypeAlias = RevisionStatus


@strawberry.type(description="One field of a revision: the published value and the proposed.")
class RevisionChange:
    field: str = strawberry.field(description="The Product field, e.g. name or controlEntry.")
    before: JSON | None
    after: JSON | None


@strawberry.type(
    description="Changes proposed to a published listing; partners see them once a curator "
    "approves them."
)
class ProductRevision:
    row: strawberry.Private[RevisionRow]
    id: strawberry.ID
    status: RevisionStatusEnum
    changes: list[RevisionChange]
    note: str | None = strawberry.field(description="The curator's reason for a rejection.")
    requires_licensing_review: bool = strawberry.field(
        description="The control entry, category or technology transfer changes: these decide "
        "how quotes are routed, so licensing officers review such revisions too."
    )
    created_at: datetime
    decided_at: datetime | None

    @strawberry.field(description="The listing, as the caller may see it.")
    async def product(
        self, info: Info[Context, Any]
    ) -> Annotated["Product", strawberry.lazy(PRODUCT_TYPES)] | None:
        row = await product_loader(info).load(self.row.product_id)
        if row is None:
            return None
        product_type: type[Product] = lazy_type(PRODUCT_TYPES, "Product")
        return product_type.from_row(row, Manufacturer.of_product_row(row))

    @classmethod
    def from_row(cls, row: RevisionRow) -> "ProductRevision":
        changes: list[dict[str, Any]] = row.changes
        return cls(
            row=row,
            id=to_global_id("ProductRevision", row.id),
            status=row.status,
            changes=[
                RevisionChange(field=c["field"], before=c["before"], after=c["after"])
                for c in changes
            ],
            note=row.note,
            requires_licensing_review=row.requires_licensing_review,
            created_at=row.created_at,
            decided_at=row.decided_at,
        )
