"""The product filter input shared by `products` and `search`."""

import uuid

import strawberry

from catalog.products.filters import ProductFilter as DomainFilter
from schema.products.types import ProductCategoryEnum, ProductStatusEnum, TechTransferEnum
from schema.relay import id_of_type


@strawberry.input
class ProductFilter:
    category: ProductCategoryEnum | None = None
    control_entry_prefix: str | None = None
    manufacturer_id: strawberry.ID | None = None
    tech_transfer: TechTransferEnum | None = None
    min_units_available: int | None = None
    text: str | None = None
    status: ProductStatusEnum | None = strawberry.field(
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
