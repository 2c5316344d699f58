"""Organisations as GraphQL sees them: manufacturers, partners, countries."""

from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import strawberry
from strawberry.types import Info

from catalog.core.enums import VettingStatus
from catalog.models import Country as CountryRow
from catalog.models import Organisation
from schema.context import Context
from schema.loaders import manufacturer_products_loader
from schema.relay import Node, lazy_type, page_size, to_global_id

if TYPE_CHECKING:
    from schema.products.types import Product

PRODUCT_TYPES = "schema.products.types"


# strawberry.enum registers the class in place and returns it; the alias is the same
# class under a name mypy accepts as a type.
strawberry.enum(VettingStatus, name="VettingStatus")
VettingStatusEnum: TypeAlias = VettingStatus


MANUFACTURER_PRODUCTS_DEFAULT = 20


@strawberry.type
class Manufacturer(Node):
    row: strawberry.Private[Organisation | SimpleNamespace]
    slug: str
    name: str
    country: str

    @strawberry.field(description="The manufacturer's products that the caller may see.")
    async def products(
        self, info: Info[Context, Any], first: int | None = MANUFACTURER_PRODUCTS_DEFAULT
    ) -> list[Annotated["Product", strawberry.lazy(PRODUCT_TYPES)]]:
        size = page_size(info, first)
        rows = await manufacturer_products_loader(info).load((self.row.id, size))
        product_type: type[Product] = lazy_type(PRODUCT_TYPES, "Product")
        return [product_type.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: Organisation | SimpleNamespace) -> "Manufacturer":
        """From the organisation, or from its columns read along with a product row."""
        return cls(
            id=to_global_id("Manufacturer", row.id),
            row=row,
            slug=row.slug,
            name=row.name,
            country=row.country,
        )


@strawberry.type
class Partner(Node):
    slug: str
    name: str
    country: str
    vetting: VettingStatusEnum

    @classmethod
    def from_row(cls, row: Organisation) -> "Partner":
        return cls(
            id=to_global_id("Partner", row.id),
            slug=row.slug,
            name=row.name,
            country=row.country,
            vetting=row.vetting,
        )


@strawberry.type
class Country:
    code: str
    name: str
    embargoed: bool
    eu: bool
    nato: bool
    partner: bool = strawberry.field(
        description="On the programme's list of partner countries (the countries it exports to)."
    )

    @classmethod
    def from_row(cls, row: CountryRow) -> "Country":
        return cls(
            code=row.code,
            name=row.name,
            embargoed=row.embargoed,
            eu=row.eu,
            nato=row.nato,
            partner=row.partner,
        )
