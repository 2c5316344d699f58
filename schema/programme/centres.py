"""Export centres: curators keep them, manufacturers link their products to them."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.models import ExportCentre as CentreRow
from catalog.programme import centres
from schema.context import Context
from schema.errors import UserError, mutation_payload
from schema.permissions import require
from schema.products.mutations import ProductPayload
from schema.products.types import Product, ProductCategoryEnum
from schema.programme.mutations import id_or_not_found
from schema.programme.types import CentreServiceEnum, CentreStatusEnum, ExportCentre

CURATE = "catalog:curate"


@strawberry.input
class CreateExportCentreInput:
    name: str
    country: str = strawberry.field(description="A partner country of the programme.")
    city: str
    status: CentreStatusEnum = CentreStatusEnum.PLANNED
    categories: list[ProductCategoryEnum] = strawberry.field(default_factory=list)
    services: list[CentreServiceEnum] = strawberry.field(default_factory=list)


@strawberry.input
class UpdateExportCentreInput:
    export_centre_id: strawberry.ID
    name: str | None = strawberry.UNSET
    country: str | None = strawberry.UNSET
    city: str | None = strawberry.UNSET
    status: CentreStatusEnum | None = strawberry.UNSET
    categories: list[ProductCategoryEnum] | None = strawberry.UNSET
    services: list[CentreServiceEnum] | None = strawberry.UNSET


@strawberry.input
class SetProductExportCentresInput:
    product_id: strawberry.ID
    export_centre_ids: list[strawberry.ID]


@strawberry.type
class ExportCentrePayload:
    export_centre: ExportCentre | None
    errors: list[UserError]


def _draft(source: CreateExportCentreInput | UpdateExportCentreInput) -> centres.CentreDraft:
    draft = centres.CentreDraft()
    for name in centres.EDITABLE:
        value = getattr(source, name)
        if value is not strawberry.UNSET:
            setattr(draft, name, value)
            draft.given.add(name)
    return draft


async def _payload(action: Callable[[], Awaitable[CentreRow]]) -> ExportCentrePayload:
    return await mutation_payload(
        action,
        lambda row: ExportCentrePayload(export_centre=ExportCentre.from_row(row), errors=[]),
        lambda errors: ExportCentrePayload(export_centre=None, errors=errors),
    )


def _centre_ids(ids: list[strawberry.ID]) -> list[uuid.UUID]:
    return [id_or_not_found(i, "ExportCentre", "export centre", "exportCentreIds") for i in ids]


@strawberry.type
class ExportCentreMutation:
    @strawberry.mutation(description="Curator: open the books on a new export centre.")
    async def create_export_centre(
        self, info: Info[Context, Any], input: CreateExportCentreInput
    ) -> ExportCentrePayload:
        require(info, CURATE)
        ctx = info.context
        return await _payload(lambda: centres.create_centre(ctx.db, ctx.principal, _draft(input)))

    @strawberry.mutation(description="Curator: change a centre (e.g. PLANNED → OPEN).")
    async def update_export_centre(
        self, info: Info[Context, Any], input: UpdateExportCentreInput
    ) -> ExportCentrePayload:
        require(info, CURATE)
        ctx = info.context
        return await _payload(
            lambda: centres.update_centre(
                ctx.db,
                ctx.principal,
                id_or_not_found(
                    input.export_centre_id, "ExportCentre", "export centre", "exportCentreId"
                ),
                _draft(input),
            )
        )

    @strawberry.mutation(
        description="Manufacturer: the export centres that stock or demonstrate a product."
    )
    async def set_product_export_centres(
        self, info: Info[Context, Any], input: SetProductExportCentresInput
    ) -> ProductPayload:
        require(info, "products:write")
        ctx = info.context

        async def action() -> Any:
            return await centres.set_product_centres(
                ctx.db,
                ctx.principal,
                id_or_not_found(input.product_id, "Product", "product", "productId"),
                _centre_ids(input.export_centre_ids),
            )

        return await mutation_payload(
            action,
            lambda row: ProductPayload(product=Product.from_row(row), errors=[]),
            lambda errors: ProductPayload(product=None, errors=errors),
        )
