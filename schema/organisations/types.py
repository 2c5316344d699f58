"""Organisations as GraphQL sees them: manufacturers, partners, countries."""

from types import SimpleNamespace
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import strawberry
from strawberry.types import Info

from catalog.core.enums import VettingStatus
from catalog.models import Country as CountryRow
from catalog.models import Organisation
from catalog.products.listing import maker_of, maker_values
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
# Manufacturers read along with product rows, kept by their values (`of_product_row`).
MAX_KEPT_MAKERS = 4096


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
    def of_product_row(cls, row: Any) -> "Manufacturer":
        """The manufacturer read with a product row (its `maker_` columns), kept by their
        values: a page of fifty products by fifty manufacturers built fifty objects and their
        global ids on every request. The object holds nothing but these values, so one made
        from the same values is the same answer; a renamed manufacturer has other values,
        so it gets a new one."""
        key = maker_values(row)
        found = _KEPT_MAKERS.get(key)
        if found is None:
            if len(_KEPT_MAKERS) >= MAX_KEPT_MAKERS:
                _KEPT_MAKERS.clear()
            found = _KEPT_MAKERS[key] = cls.from_row(maker_of(row))
        return found

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


_KEPT_MAKERS: dict[tuple[Any, ...], Manufacturer] = {}


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
