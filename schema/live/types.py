"""What the catalogue subscription tells a partner about a product."""

from typing import TypeAlias

import strawberry

from catalog.core.enums import CatalogueChangeKind
from schema.products.types import Product

strawberry.enum(CatalogueChangeKind, name="CatalogueChangeKind")
CatalogueChangeEnum: TypeAlias = CatalogueChangeKind


@strawberry.type(description="A product as a catalogue change names it.")
class ChangedProduct:
    id: strawberry.ID
    name: str | None = strawberry.field(description="Null when the product was removed.")
    listing: Product | None = strawberry.field(
        description="The whole product while it is visible; null when it was removed."
    )


@strawberry.type(
    description="A product became visible to the partner (ADDED), changed while visible "
    "(UPDATED) or stopped being visible (REMOVED: the id only)."
)
class CatalogueChange:
    change: CatalogueChangeEnum
    product: ChangedProduct
