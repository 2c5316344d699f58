"""Product queries: one product by id, and the keyset-paginated list."""

from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.errors import DomainError
from catalog.products import listing as domain
from schema.context import Context
from schema.organisations.types import Manufacturer
from schema.permissions import require
from schema.products.columns import selected_columns
from schema.products.filters import ProductFilter, domain_filter
from schema.products.types import Product, ProductOrderEnum, load_visible_product
from schema.relay import Connection, bad_input, connection, id_of_type, page_size


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
        order_by: ProductOrderEnum = domain.ProductOrder.NAME,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Product]:
        require(info, "catalog:read")
        size = page_size(info, first)
        as_domain = domain_filter(filter)
        try:
            page = await domain.list_products(
                info.context.db,
                info.context.principal,
                product_filter=as_domain,
                order=order_by,
                first=size,
                after=after,
                reads=selected_columns(info),
            )
        except DomainError as error:
            raise bad_input(error.problems[0].message) from error
        principal = info.context.principal
        return connection(
            [Product.from_row(p, Manufacturer.of_product_row(p)) for p in page.items],
            page,
            after,
            lambda session: domain.count_products(session, principal, as_domain),
        )
