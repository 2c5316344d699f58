"""The Product type and what hangs off it: specs, combat record, releases, the connection."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias, cast

import strawberry
from sqlalchemy import Row
from strawberry.types import Info

from catalog.access import sees_release_lists, sees_reserved_units, sees_revisions
from catalog.core.enums import ProductCategory, ProductStatus, RevisionStatus, TechTransfer
from catalog.models import Product as ProductRow
from catalog.products import listing as domain
from schema.context import Context
from schema.documents.types import Document
from schema.errors import forbidden
from schema.loaders import (
    organisation_loader,
    product_documents_loader,
    product_loader,
    releases_loader,
    revisions_loader,
)
from schema.organisations.types import Manufacturer
from schema.products.revisions import ProductRevision
from schema.programme.loaders import product_centres_loader
from schema.relay import Node, lazy_type, to_global_id

if TYPE_CHECKING:
    from schema.programme.types import ExportCentre

PROGRAMME_TYPES = "schema.programme.types"

# strawberry.enum registers the class in place and returns it; the alias is the same
# class under a name mypy accepts as a type.
strawberry.enum(ProductCategory, name="ProductCategory")
ProductCategoryEnum: TypeAlias = ProductCategory


strawberry.enum(TechTransfer, name="TechTransfer")
TechTransferEnum: TypeAlias = TechTransfer


strawberry.enum(ProductStatus, name="ProductStatus")
ProductStatusEnum: TypeAlias = ProductStatus


strawberry.enum(domain.ProductOrder, name="ProductOrder")
ProductOrderEnum: TypeAlias = domain.ProductOrder


@strawberry.type
class GroundDroneSpecs:
    range_km: float | None
    endurance_h: float | None
    payload_kg: float | None
    max_speed_kmh: float | None
    mass_kg: float | None
    drive: str | None
    autonomy_level: str | None
    comms: str | None


@strawberry.type
class NavalDroneSpecs:
    range_km: float | None
    endurance_h: float | None
    payload_kg: float | None
    max_speed_knots: float | None
    length_m: float | None
    hull: str | None
    autonomy_level: str | None
    comms: str | None


@strawberry.type
class SoftwareSpecs:
    deployment: str | None
    platforms: list[str]
    autonomy_level: str | None
    integrations: list[str]
    licence_model: str | None


ProductSpecs = Annotated[
    GroundDroneSpecs | NavalDroneSpecs | SoftwareSpecs, strawberry.union("ProductSpecs")
]


_SPEC_TYPES: dict[ProductCategory, type] = {
    ProductCategory.GROUND_DRONE: GroundDroneSpecs,
    ProductCategory.NAVAL_DRONE: NavalDroneSpecs,
    ProductCategory.SOFTWARE: SoftwareSpecs,
}


@strawberry.type
class CombatRecord:
    first_deployment: date | None
    roles: list[str]
    evidence: str | None


@strawberry.type
class Release:
    country: str
    released_at: datetime
    expires_at: datetime | None


def _owner_or_reviewer(info: Info[Context, Any]) -> None:
    """Status, review notes and release lists: curators, licensing and the owning manufacturer
    (a manufacturer only ever sees its own products)."""
    if not sees_release_lists(info.context.principal):
        raise forbidden("catalog:curate")


@strawberry.type
class Product(Node):
    # An ORM instance, or a plain row read with the same columns (catalog/products/listing.py).
    row: strawberry.Private[ProductRow | Row[Any]]
    # The manufacturer when the list that built this node already fetched it (one query per
    # page, one object per manufacturer); otherwise it comes through the per-request DataLoader.
    maker: strawberry.Private[Manufacturer | None]
    name: str
    category: ProductCategoryEnum
    summary: str
    description: str | None
    control_entry: str
    tech_transfer: TechTransferEnum
    units_available: int = strawberry.field(
        description="Units still available for export (the surplus not yet reserved by accepted "
        "quotes; the domestic reserve is never part of it)."
    )
    lead_time_days: int | None
    unit_price_eur: Decimal | None = strawberry.field(description="Indicative unit price in EUR")
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None

    @strawberry.field
    def specs(self) -> ProductSpecs:
        row = self.row
        spec_type = _SPEC_TYPES[row.category]
        specs = row.specs
        values = {k: specs.get(k) for k in spec_type.__annotations__}
        for name in ("platforms", "integrations"):
            if name in values and values[name] is None:
                values[name] = []
        return spec_type(**values)

    @strawberry.field
    def combat_record(self) -> CombatRecord | None:
        record = self.row.combat_record
        if record is None:
            return None
        first = record.get("first_deployment")
        return CombatRecord(
            first_deployment=date.fromisoformat(first) if first else None,
            roles=list(record.get("roles") or []),
            evidence=record.get("evidence"),
        )

    @strawberry.field
    def manufacturer(self, info: Info[Context, Any]) -> Manufacturer:
        if self.maker is not None:
            return self.maker
        # Synchronous on purpose: a page of fifty preloaded nodes then completes without
        # fifty awaitables; the executor awaits the coroutine returned for a lone node.
        return cast(Manufacturer, self._load_manufacturer(info))

    async def _load_manufacturer(self, info: Info[Context, Any]) -> Manufacturer:
        org = await organisation_loader(info).load(self.row.manufacturer_id)
        assert org is not None  # a foreign key guarantees it
        return Manufacturer.from_row(org)

    @strawberry.field(description="Curators, licensing officers and the owner only.")
    def status(self, info: Info[Context, Any]) -> ProductStatusEnum | None:
        _owner_or_reviewer(info)
        return self.row.status

    @strawberry.field(
        description="Units reserved by accepted quotes. Curators, licensing officers and the "
        "owner only."
    )
    def units_reserved(self, info: Info[Context, Any]) -> int | None:
        if not sees_reserved_units(info.context.principal):
            raise forbidden("catalog:curate")
        return self.row.units_reserved

    @strawberry.field(
        description="Units kept for Ukraine's own forces, never exportable. Curators, "
        "licensing officers and the owner only."
    )
    def domestic_reserve(self, info: Info[Context, Any]) -> int | None:
        if not sees_reserved_units(info.context.principal):
            raise forbidden("catalog:curate")
        return self.row.domestic_reserve

    @strawberry.field(
        description="Sensitive technology (never licensed for production abroad): the whole "
        "product, and the parts of its specs named in sensitiveParts."
    )
    def sensitive(self) -> bool:
        return self.row.sensitive

    @strawberry.field
    def sensitive_parts(self) -> list[str]:
        return list(self.row.sensitive_parts)

    @strawberry.field(description="The export centres that stock or demonstrate the product.")
    async def export_centres(
        self, info: Info[Context, Any]
    ) -> list[Annotated["ExportCentre", strawberry.lazy(PROGRAMME_TYPES)]]:
        rows = await product_centres_loader(info).load(self.row.id)
        centre_type: type[ExportCentre] = lazy_type(PROGRAMME_TYPES, "ExportCentre")
        return [centre_type.from_row(r) for r in rows]

    @strawberry.field(description="Curators, licensing officers and the owner only.")
    def review_note(self, info: Info[Context, Any]) -> str | None:
        _owner_or_reviewer(info)
        return self.row.review_note

    @strawberry.field(description="Countries the product is released to (not for partners).")
    async def releases(self, info: Info[Context, Any]) -> list[Release] | None:
        _owner_or_reviewer(info)
        rows = await releases_loader(info).load(self.row.id)
        return [
            Release(country=r.country, released_at=r.released_at, expires_at=r.expires_at)
            for r in rows
        ]

    @strawberry.field(
        description="Changes proposed to this published listing, awaiting a curator (the owner, "
        "curators and licensing officers only)."
    )
    async def pending_revision(self, info: Info[Context, Any]) -> ProductRevision | None:
        rows = await self._revisions(info)
        pending = [r for r in rows if r.status is RevisionStatus.PENDING]
        return ProductRevision.from_row(pending[0]) if pending else None

    @strawberry.field(
        description="Every revision of this listing, newest first (the owner, curators and "
        "licensing officers only)."
    )
    async def revisions(self, info: Info[Context, Any]) -> list[ProductRevision] | None:
        return [ProductRevision.from_row(r) for r in await self._revisions(info)]

    async def _revisions(self, info: Info[Context, Any]) -> list[Any]:
        if not sees_revisions(info.context.principal):
            raise forbidden("catalog:curate")
        return await revisions_loader(info).load(self.row.id)

    @strawberry.field(description="Datasheets, for whoever sees the product; oldest first.")
    async def documents(self, info: Info[Context, Any]) -> list[Document]:
        rows = await product_documents_loader(info).load(self.row.id)
        return [Document.from_row(r) for r in rows]

    @classmethod
    def from_row(cls, row: ProductRow | Row[Any], maker: Manufacturer | None = None) -> "Product":
        return cls(
            id=to_global_id("Product", row.id),
            row=row,
            maker=maker,
            name=row.name,
            category=row.category,
            summary=row.summary,
            description=row.description,
            control_entry=row.control_entry,
            tech_transfer=row.tech_transfer,
            units_available=row.units_available,
            lead_time_days=row.lead_time_days,
            unit_price_eur=row.unit_price_eur,
            created_at=row.created_at,
            updated_at=row.updated_at,
            published_at=row.published_at,
        )


async def load_visible_product(info: Info[Context, Any], product_id: uuid.UUID) -> Product | None:
    row = await product_loader(info).load(product_id)
    if row is None:
        return None
    return Product.from_row(row, Manufacturer.of_product_row(row))
