"""Mutations of the programme: the domestic reserve, sensitive technology, export freezes."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.errors import not_found
from catalog.models import ExportFreeze as FreezeRow
from catalog.models import Product as ProductRow
from catalog.programme import freezes, reserve
from schema.context import Context
from schema.errors import UserError, mutation_payload
from schema.permissions import require
from schema.products.mutations import ProductPayload
from schema.products.types import Product
from schema.programme.types import RULES, ExportFreeze, FreezeScopeEnum
from schema.relay import id_of_type


@strawberry.input
class DeclareDomesticReserveInput:
    product_id: strawberry.ID
    units: int = strawberry.field(
        description="Units kept for Ukraine's own forces (never exportable); they leave the "
        "surplus, so unitsAvailable is what is left for export."
    )


@strawberry.input
class MarkProductSensitiveInput:
    product_id: strawberry.ID
    sensitive: bool = strawberry.field(description="The whole product's technology.")
    reason: str
    parts: list[str] = strawberry.field(
        default_factory=list,
        description="Parts of its specs that are sensitive (e.g. 'navigation').",
    )


@strawberry.input
class DeclareExportFreezeInput:
    scope: FreezeScopeEnum
    value: str = strawberry.field(description="A ProductCategory, or a control-entry prefix.")
    reason: str


@strawberry.input
class LiftExportFreezeInput:
    freeze_id: strawberry.ID
    reason: str


@strawberry.type
class ExportFreezePayload:
    export_freeze: ExportFreeze | None
    errors: list[UserError]


def id_or_not_found(global_id: str, type_name: str, label: str, field: str) -> uuid.UUID:
    found = id_of_type(global_id, type_name)
    if found is None:
        raise not_found(label, field)
    return found


async def _product(action: Callable[[], Awaitable[ProductRow]]) -> ProductPayload:
    return await mutation_payload(
        action,
        lambda row: ProductPayload(product=Product.from_row(row), errors=[]),
        lambda errors: ProductPayload(product=None, errors=errors),
    )


async def _freeze(action: Callable[[], Awaitable[FreezeRow]]) -> ExportFreezePayload:
    return await mutation_payload(
        action,
        lambda row: ExportFreezePayload(export_freeze=ExportFreeze.from_row(row), errors=[]),
        lambda errors: ExportFreezePayload(export_freeze=None, errors=errors),
    )


@strawberry.type
class ReserveMutation:
    @strawberry.mutation(description="Manufacturer: units of a product kept for Ukraine's forces.")
    async def declare_domestic_reserve(
        self, info: Info[Context, Any], input: DeclareDomesticReserveInput
    ) -> ProductPayload:
        require(info, "products:write")
        ctx = info.context
        return await _product(
            lambda: reserve.declare_domestic_reserve(
                ctx.db,
                ctx.principal,
                id_or_not_found(input.product_id, "Product", "product", "productId"),
                input.units,
            )
        )

    @strawberry.mutation(
        description="Licensing: mark a product (or parts of its specs) as sensitive technology, "
        "never licensed for production abroad."
    )
    async def mark_product_sensitive(
        self, info: Info[Context, Any], input: MarkProductSensitiveInput
    ) -> ProductPayload:
        require(info, RULES)
        ctx = info.context
        return await _product(
            lambda: reserve.mark_sensitive(
                ctx.db,
                ctx.principal,
                id_or_not_found(input.product_id, "Product", "product", "productId"),
                sensitive=input.sensitive,
                parts=input.parts,
                reason=input.reason,
            )
        )

    @strawberry.mutation(
        description="Licensing: freeze exports of a category or control-entry prefix; open "
        "quotes it covers go ON_HOLD (DOMESTIC_PRIORITY), new ones are refused."
    )
    async def declare_export_freeze(
        self, info: Info[Context, Any], input: DeclareExportFreezeInput
    ) -> ExportFreezePayload:
        require(info, RULES)
        ctx = info.context
        return await _freeze(
            lambda: freezes.declare_freeze(
                ctx.db, ctx.principal, input.scope, input.value, input.reason
            )
        )

    @strawberry.mutation(description="Licensing: lift a freeze; the cases it held resume.")
    async def lift_export_freeze(
        self, info: Info[Context, Any], input: LiftExportFreezeInput
    ) -> ExportFreezePayload:
        require(info, RULES)
        ctx = info.context
        return await _freeze(
            lambda: freezes.lift_freeze(
                ctx.db,
                ctx.principal,
                id_or_not_found(input.freeze_id, "ExportFreeze", "export freeze", "freezeId"),
                input.reason,
            )
        )
