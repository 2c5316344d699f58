"""The Product type, its queries and the manufacturer/curator mutations."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any, cast

import strawberry
from strawberry.types import Info

from catalog.core.enums import ProductCategory, ProductStatus, TechTransfer
from catalog.core.errors import DomainError
from catalog.models import Organisation
from catalog.models import Product as ProductRow
from catalog.products import listing as domain
from catalog.products.filters import ProductFilter as DomainFilter
from catalog.visibility import sees_release_lists
from schema.context import Context
from schema.errors import UserError, forbidden
from schema.loaders import organisation_loader, releases_loader
from schema.organisations import Manufacturer
from schema.permissions import require
from schema.relay import Node, PageInfo, id_of_type, page_info, page_size, to_global_id

ProductCategoryEnum = strawberry.enum(ProductCategory, name="ProductCategory")
TechTransferEnum = strawberry.enum(TechTransfer, name="TechTransfer")
ProductStatusEnum = strawberry.enum(ProductStatus, name="ProductStatus")
ProductOrderEnum = strawberry.enum(domain.ProductOrder, name="ProductOrder")


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
    row: strawberry.Private[ProductRow]
    # The manufacturer when the list that built this node already fetched it (one query per
    # page); otherwise it comes through the per-request DataLoader.
    maker: strawberry.Private[Organisation | None]
    name: str
    category: ProductCategoryEnum  # type: ignore[valid-type]
    summary: str
    description: str | None
    control_entry: str
    tech_transfer: TechTransferEnum  # type: ignore[valid-type]
    units_available: int
    lead_time_days: int | None
    unit_price_eur: Decimal | None = strawberry.field(description="Indicative unit price in EUR")
    created_at: datetime
    updated_at: datetime
    published_at: datetime | None

    @strawberry.field
    def specs(self) -> ProductSpecs:
        spec_type = _SPEC_TYPES[self.row.category]
        known = spec_type.__annotations__.keys()
        values = {k: self.row.specs.get(k) for k in known}
        for name in ("platforms", "integrations"):
            if name in values and values[name] is None:
                values[name] = []
        return spec_type(**values)  # type: ignore[no-any-return]

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
            return Manufacturer.from_row(self.maker)
        # Synchronous on purpose: a page of fifty preloaded nodes then completes without
        # fifty awaitables; the executor awaits the coroutine returned for a lone node.
        return cast(Manufacturer, self._load_manufacturer(info))

    async def _load_manufacturer(self, info: Info[Context, Any]) -> Manufacturer:
        org = await organisation_loader(info).load(self.row.manufacturer_id)
        assert org is not None  # a foreign key guarantees it
        return Manufacturer.from_row(org)

    @strawberry.field(description="Curators, licensing officers and the owner only.")
    def status(self, info: Info[Context, Any]) -> ProductStatusEnum | None:  # type: ignore[valid-type]
        _owner_or_reviewer(info)
        return self.row.status

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

    @classmethod
    def from_row(cls, row: ProductRow, maker: Organisation | None = None) -> "Product":
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


@strawberry.type
class ProductEdge:
    cursor: str
    node: Product


@strawberry.type
class ProductConnection:
    edges: list[ProductEdge]
    page_info: PageInfo
    filter: strawberry.Private[DomainFilter | None]

    @strawberry.field(description="Computed only when selected.")
    async def total_count(self, info: Info[Context, Any]) -> int:
        async with info.context.db.read() as session:
            return await domain.count_products(session, info.context.principal, self.filter)


@strawberry.input
class ProductFilter:
    category: ProductCategoryEnum | None = None  # type: ignore[valid-type]
    control_entry_prefix: str | None = None
    manufacturer_id: strawberry.ID | None = None
    tech_transfer: TechTransferEnum | None = None  # type: ignore[valid-type]
    min_units_available: int | None = None
    text: str | None = None
    status: ProductStatusEnum | None = strawberry.field(  # type: ignore[valid-type]
        default=None,
        description="Only listings in this status; partners see published listings only.",
    )

    def to_domain(self) -> DomainFilter:
        manufacturer = None
        if self.manufacturer_id is not None:
            # An unknown manufacturer id filters everything out rather than erroring.
            manufacturer = id_of_type(self.manufacturer_id, "Manufacturer") or uuid.UUID(int=0)
        return DomainFilter(
            category=self.category,
            control_entry_prefix=(self.control_entry_prefix or None),
            manufacturer_id=manufacturer,
            tech_transfer=self.tech_transfer,
            min_units_available=self.min_units_available,
            text=(self.text or None),
            status=self.status,
        )


def domain_filter(product_filter: ProductFilter | None) -> DomainFilter | None:
    return product_filter.to_domain() if product_filter is not None else None


async def load_visible_product(info: Info[Context, Any], product_id: uuid.UUID) -> Product | None:
    from schema.loaders import product_loader

    row = await product_loader(info).load(product_id)
    return Product.from_row(row) if row is not None else None


@strawberry.type
class ProductQuery:
    @strawberry.field(description="A product, or null when it does not exist or is not visible.")
    async def product(self, info: Info[Context, Any], id: strawberry.ID) -> Product | None:
        require(info, "catalog:read")
        product_id = id_of_type(id, "Product")
        return await load_visible_product(info, product_id) if product_id else None

    @strawberry.field(description="Visible products, keyset-paginated.")
    async def products(
        self,
        info: Info[Context, Any],
        filter: ProductFilter | None = None,
        order_by: ProductOrderEnum = domain.ProductOrder.NAME,  # type: ignore[valid-type,assignment]
        first: int | None = None,
        after: str | None = None,
    ) -> ProductConnection:
        require(info, "catalog:read")
        size = page_size(info, first)
        as_domain = domain_filter(filter)
        try:
            async with info.context.db.read() as session:
                page = await domain.list_products(
                    session,
                    info.context.principal,
                    product_filter=as_domain,
                    order=order_by,
                    first=size,
                    after=after,
                )
        except DomainError as error:
            from schema.relay import bad_input

            raise bad_input(error.problems[0].message) from error
        makers = await organisation_loader(info).load_many(
            list({p.manufacturer_id: None for p in page.items})
        )
        by_id = {m.id: m for m in makers if m is not None}
        return ProductConnection(
            edges=[
                ProductEdge(cursor=c, node=Product.from_row(p, by_id.get(p.manufacturer_id)))
                for p, c in zip(page.items, page.cursors, strict=True)
            ],
            page_info=page_info(page.cursors, page.has_next, after),
            filter=as_domain,
        )


# ---------------------------------------------------------------- mutations


@strawberry.input
class GroundDroneSpecsInput:
    range_km: float | None = None
    endurance_h: float | None = None
    payload_kg: float | None = None
    max_speed_kmh: float | None = None
    mass_kg: float | None = None
    drive: str | None = None
    autonomy_level: str | None = None
    comms: str | None = None


@strawberry.input
class NavalDroneSpecsInput:
    range_km: float | None = None
    endurance_h: float | None = None
    payload_kg: float | None = None
    max_speed_knots: float | None = None
    length_m: float | None = None
    hull: str | None = None
    autonomy_level: str | None = None
    comms: str | None = None


@strawberry.input
class SoftwareSpecsInput:
    deployment: str | None = None
    platforms: list[str] | None = None
    autonomy_level: str | None = None
    integrations: list[str] | None = None
    licence_model: str | None = None


@strawberry.input(description="Give the part matching the product's category.")
class ProductSpecsInput:
    ground_drone: GroundDroneSpecsInput | None = None
    naval_drone: NavalDroneSpecsInput | None = None
    software: SoftwareSpecsInput | None = None


@strawberry.input
class CombatRecordInput:
    first_deployment: date | None = None
    roles: list[str] | None = None
    evidence: str | None = None


@strawberry.input
class CreateProductInput:
    name: str
    category: ProductCategoryEnum  # type: ignore[valid-type]
    summary: str
    control_entry: str
    tech_transfer: TechTransferEnum  # type: ignore[valid-type]
    units_available: int
    description: str | None = None
    lead_time_days: int | None = None
    unit_price_eur: Decimal | None = None
    specs: ProductSpecsInput | None = None
    combat_record: CombatRecordInput | None = None
    sku: str | None = None


@strawberry.input
class UpdateProductInput:
    product_id: strawberry.ID
    name: str | None = strawberry.UNSET
    category: ProductCategoryEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    summary: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    control_entry: str | None = strawberry.UNSET
    tech_transfer: TechTransferEnum | None = strawberry.UNSET  # type: ignore[valid-type]
    units_available: int | None = strawberry.UNSET
    lead_time_days: int | None = strawberry.UNSET
    unit_price_eur: Decimal | None = strawberry.UNSET
    specs: ProductSpecsInput | None = strawberry.UNSET
    combat_record: CombatRecordInput | None = strawberry.UNSET


@strawberry.input
class ProductIdInput:
    product_id: strawberry.ID


@strawberry.input
class ProductNoteInput:
    product_id: strawberry.ID
    note: str


@strawberry.input
class SuspendProductInput:
    product_id: strawberry.ID
    reason: str


@strawberry.input
class ProductCountriesInput:
    product_id: strawberry.ID
    countries: list[str]


@strawberry.type
class ProductPayload:
    product: Product | None
    errors: list[UserError]
