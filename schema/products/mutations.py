"""Manufacturer and curator mutations on products. Each returns a payload with `errors`;
when `errors` is not empty nothing was written."""

import dataclasses
import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.enums import ProductCategory
from catalog.core.errors import DomainError, not_found
from catalog.models import Product as ProductRow
from catalog.products import lifecycle as domain
from catalog.products import releases as release_domain
from schema.context import Context
from schema.errors import UserError, mutation_payload
from schema.permissions import require
from schema.products.types import Product, ProductCategoryEnum, TechTransferEnum
from schema.relay import id_of_type


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
    category: ProductCategoryEnum
    summary: str
    control_entry: str
    tech_transfer: TechTransferEnum
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
    category: ProductCategoryEnum | None = strawberry.UNSET
    summary: str | None = strawberry.UNSET
    description: str | None = strawberry.UNSET
    control_entry: str | None = strawberry.UNSET
    tech_transfer: TechTransferEnum | None = strawberry.UNSET
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


_FIELDS = {
    "name": "name",
    "category": "category",
    "summary": "summary",
    "description": "description",
    "control_entry": "control_entry",
    "tech_transfer": "tech_transfer",
    "units_available": "units_available",
    "lead_time_days": "lead_time_days",
    "unit_price_eur": "unit_price_eur",
}


def _specs(specs: ProductSpecsInput | None) -> tuple[ProductCategory | None, dict[str, Any] | None]:
    """The category the given part is for, and its values."""
    if specs is None:
        return None, None
    parts = [
        (category, part)
        for category, part in (
            (ProductCategory.GROUND_DRONE, specs.ground_drone),
            (ProductCategory.NAVAL_DRONE, specs.naval_drone),
            (ProductCategory.SOFTWARE, specs.software),
        )
        if part is not None
    ]
    if len(parts) != 1:
        raise DomainError.one(
            "give exactly one of groundDrone, navalDrone, software", "INVALID", "specs"
        )
    category, part = parts[0]
    return category, {k: v for k, v in dataclasses.asdict(part).items() if v is not None}


def _combat_record(record: CombatRecordInput | None) -> dict[str, Any] | None:
    if record is None:
        return None
    return {
        "first_deployment": record.first_deployment.isoformat()
        if record.first_deployment
        else None,
        "roles": record.roles or [],
        "evidence": record.evidence,
    }


def _draft(source: CreateProductInput | UpdateProductInput) -> domain.ProductDraft:
    draft = domain.ProductDraft()
    for attr, target in _FIELDS.items():
        value = getattr(source, attr)
        if value is not strawberry.UNSET:
            setattr(draft, target, value)
            draft.given.add(target)
    if source.specs is not strawberry.UNSET:
        draft.specs_category, draft.specs = _specs(source.specs)
        draft.given.add("specs")
    if source.combat_record is not strawberry.UNSET:
        draft.combat_record = _combat_record(source.combat_record)
        draft.given.add("combat_record")
    if isinstance(source, CreateProductInput):
        draft.sku = source.sku
    return draft


def _product_id(global_id: str) -> uuid.UUID:
    product_id = id_of_type(global_id, "Product")
    if product_id is None:
        raise not_found("product", "productId")
    return product_id


async def _payload(action: Callable[[], Awaitable[ProductRow]]) -> ProductPayload:
    return await mutation_payload(
        action,
        lambda row: ProductPayload(product=Product.from_row(row), errors=[]),
        lambda errors: ProductPayload(product=None, errors=errors),
    )


@strawberry.type
class ProductMutation:
    @strawberry.mutation(description="Manufacturer: create a draft listing.")
    async def create_product(
        self, info: Info[Context, Any], input: CreateProductInput
    ) -> ProductPayload:
        require(info, "products:write")
        ctx = info.context
        return await _payload(lambda: domain.create_product(ctx.db, ctx.principal, _draft(input)))

    @strawberry.mutation(
        description="Manufacturer: edit a listing. Drafts and listings under review change at "
        "once; on a published or suspended listing, units and price change at once and other "
        "fields become the listing's pending revision, for a curator to approve."
    )
    async def update_product(
        self, info: Info[Context, Any], input: UpdateProductInput
    ) -> ProductPayload:
        require(info, "products:write")
        ctx = info.context
        return await _payload(
            lambda: domain.update_product(
                ctx.db, ctx.principal, _product_id(input.product_id), _draft(input)
            )
        )

    @strawberry.mutation(description="Manufacturer: submit a draft for review.")
    async def submit_product(
        self, info: Info[Context, Any], input: ProductIdInput
    ) -> ProductPayload:
        require(info, "products:write")
        return await _step(info, input.product_id, "submit")

    @strawberry.mutation(description="Manufacturer: withdraw a listing.")
    async def withdraw_product(
        self, info: Info[Context, Any], input: ProductIdInput
    ) -> ProductPayload:
        require(info, "products:write")
        return await _step(info, input.product_id, "withdraw")

    @strawberry.mutation(
        description="Manufacturer: bring a withdrawn listing back as a draft, to edit and "
        "submit again."
    )
    async def reopen_product(
        self, info: Info[Context, Any], input: ProductIdInput
    ) -> ProductPayload:
        require(info, "products:write")
        return await _step(info, input.product_id, "reopen")

    @strawberry.mutation(description="Curator: publish a submitted listing.")
    async def publish_product(
        self, info: Info[Context, Any], input: ProductIdInput
    ) -> ProductPayload:
        require(info, "catalog:curate")
        return await _step(info, input.product_id, "publish")

    @strawberry.mutation(description="Curator: send a submitted listing back with a note.")
    async def request_product_changes(
        self, info: Info[Context, Any], input: ProductNoteInput
    ) -> ProductPayload:
        require(info, "catalog:curate")
        return await _step(info, input.product_id, "request_changes", input.note)

    @strawberry.mutation(description="Curator: suspend a published listing.")
    async def suspend_product(
        self, info: Info[Context, Any], input: SuspendProductInput
    ) -> ProductPayload:
        require(info, "catalog:curate")
        return await _step(info, input.product_id, "suspend", input.reason)

    @strawberry.mutation(description="Curator: release a product to countries (ISO codes).")
    async def release_product(
        self, info: Info[Context, Any], input: ProductCountriesInput
    ) -> ProductPayload:
        require(info, "catalog:curate")
        ctx = info.context
        return await _payload(
            lambda: release_domain.release_product(
                ctx.db, ctx.principal, _product_id(input.product_id), input.countries
            )
        )

    @strawberry.mutation(description="Curator: revoke a product's release to countries.")
    async def revoke_release(
        self, info: Info[Context, Any], input: ProductCountriesInput
    ) -> ProductPayload:
        require(info, "catalog:curate")
        ctx = info.context
        return await _payload(
            lambda: release_domain.revoke_release(
                ctx.db, ctx.principal, _product_id(input.product_id), input.countries
            )
        )


async def _step(
    info: Info[Context, Any], global_id: str, step: str, note: str | None = None
) -> ProductPayload:
    ctx = info.context
    return await _payload(
        lambda: domain.transition(ctx.db, ctx.principal, _product_id(global_id), step, note)
    )
