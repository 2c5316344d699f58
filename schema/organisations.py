"""Organisations as GraphQL sees them: manufacturers, partners, countries; partner vetting."""

import uuid
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from catalog.core.enums import VettingStatus
from catalog.core.errors import DomainError, not_found
from catalog.models import Organisation
from catalog.organisations import directory as domain
from schema.context import Context
from schema.errors import UserError, user_errors
from schema.permissions import require
from schema.relay import Node, id_of_type, page_size, to_global_id

if TYPE_CHECKING:
    from schema.products import Product

VettingStatusEnum = strawberry.enum(VettingStatus, name="VettingStatus")
MANUFACTURER_PRODUCTS_DEFAULT = 20


@strawberry.type
class Manufacturer(Node):
    row: strawberry.Private[Organisation]
    slug: str
    name: str
    country: str

    @strawberry.field(description="The manufacturer's products that the caller may see.")
    async def products(
        self, info: Info[Context, Any], first: int | None = MANUFACTURER_PRODUCTS_DEFAULT
    ) -> list[Annotated["Product", strawberry.lazy("schema.products")]]:
        from schema.loaders import manufacturer_products_loader
        from schema.products import Product

        size = page_size(info, first)
        rows = await manufacturer_products_loader(info).load((self.row.id, size))
        return [Product.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: Organisation) -> "Manufacturer":
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
    vetting: VettingStatusEnum  # type: ignore[valid-type]

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


@strawberry.type
class PartnerPayload:
    partner: Partner | None
    errors: list[UserError]


@strawberry.input
class VetPartnerInput:
    organisation_id: strawberry.ID


@strawberry.input
class SuspendPartnerInput:
    organisation_id: strawberry.ID
    reason: str


@strawberry.type
class OrganisationQuery:
    @strawberry.field(description="Manufacturers, by name.")
    async def manufacturers(
        self, info: Info[Context, Any], first: int | None = 100
    ) -> list[Manufacturer]:
        require(info, "catalog:read")
        async with info.context.db.read() as session:
            rows = await domain.list_manufacturers(session, page_size(info, first))
        return [Manufacturer.from_row(row) for row in rows]

    @strawberry.field(description="Curator: partner agencies and their vetting status.")
    async def partners(self, info: Info[Context, Any], first: int | None = 100) -> list[Partner]:
        require(info, "partners:vet")
        async with info.context.db.read() as session:
            rows = await domain.list_partners(session, page_size(info, first))
        return [Partner.from_row(row) for row in rows]

    @strawberry.field(description="ISO 3166-1 countries with embargo and EU/NATO membership.")
    async def countries(self, info: Info[Context, Any]) -> list[Country]:
        require(info, "catalog:read")
        async with info.context.db.read() as session:
            rows = await domain.list_countries(session)
        return [
            Country(code=c.code, name=c.name, embargoed=c.embargoed, eu=c.eu, nato=c.nato)
            for c in rows
        ]


async def _vetting(
    info: Info[Context, Any], global_id: str, vetting: VettingStatus, reason: str | None
) -> PartnerPayload:
    ctx = info.context
    try:
        org_id = id_of_type(global_id, "Partner")
        if org_id is None:
            raise not_found("partner organisation", "organisationId")
        row = await domain.set_partner_vetting(ctx.db, ctx.principal, org_id, vetting, reason)
    except DomainError as error:
        return PartnerPayload(partner=None, errors=user_errors(error))
    return PartnerPayload(partner=Partner.from_row(row), errors=[])


@strawberry.type
class OrganisationMutation:
    @strawberry.mutation(description="Curator: mark a partner agency as vetted.")
    async def vet_partner(self, info: Info[Context, Any], input: VetPartnerInput) -> PartnerPayload:
        require(info, "partners:vet")
        return await _vetting(info, input.organisation_id, VettingStatus.VETTED, None)

    @strawberry.mutation(description="Curator: suspend a partner agency; it then sees nothing.")
    async def suspend_partner(
        self, info: Info[Context, Any], input: SuspendPartnerInput
    ) -> PartnerPayload:
        require(info, "partners:vet")
        return await _vetting(info, input.organisation_id, VettingStatus.SUSPENDED, input.reason)


def partner_uuid(global_id: str) -> uuid.UUID | None:
    return id_of_type(global_id, "Partner")
