"""Onboarding organisations (curators, `organisations:manage`): the `Organisation` type, the
`organisations` list, `createOrganisation` and `updateOrganisation`."""

import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import datetime
from typing import Any, TypeAlias

import strawberry
from strawberry.types import Info

from catalog.core.enums import OrgKind
from catalog.core.errors import DomainError, not_found
from catalog.models import Organisation as OrganisationRow
from catalog.organisations import onboarding as domain
from schema.context import Context
from schema.errors import ErrorCode, UserError, coded_error, mutation_payload
from schema.organisations.types import VettingStatusEnum
from schema.permissions import require
from schema.relay import Connection, Node, connection, id_of_type, page_size, to_global_id

MANAGE = "organisations:manage"
# strawberry.enum registers the class in place; the alias names it as a type for mypy.
strawberry.enum(OrgKind, name="OrganisationKind")
OrganisationKindEnum: TypeAlias = OrgKind

# The same organisation is a Partner or a Manufacturer in the catalogue's own lists; any of
# these global IDs names it here.
ORGANISATION_ID_TYPES = ("Organisation", "Partner", "Manufacturer")


@asynccontextmanager
async def refusals_as_errors() -> AsyncIterator[None]:
    """A query refused by the access rules answers a FORBIDDEN GraphQL error."""
    try:
        yield
    except DomainError as error:
        raise coded_error(error.problems[0].message, ErrorCode.FORBIDDEN) from error


def parse_organisation_id(global_id: str) -> uuid.UUID | None:
    for type_name in ORGANISATION_ID_TYPES:
        found = id_of_type(global_id, type_name)
        if found is not None:
            return found
    return None


def organisation_id(global_id: str, field: str = "organisationId") -> uuid.UUID:
    found = parse_organisation_id(global_id)
    if found is None:
        raise not_found("organisation", field)
    return found


@strawberry.type(description="An organisation of any kind, as curators onboard them.")
class Organisation(Node):
    slug: str
    name: str
    kind: OrganisationKindEnum
    country: str
    vetting: VettingStatusEnum
    created_at: datetime

    @classmethod
    def from_row(cls, row: OrganisationRow) -> "Organisation":
        return cls(
            id=to_global_id("Organisation", row.id),
            slug=row.slug,
            name=row.name,
            kind=row.kind,
            country=row.country,
            vetting=row.vetting,
            created_at=row.created_at,
        )


@strawberry.type
class OrganisationPayload:
    organisation: Organisation | None
    errors: list[UserError]


@strawberry.input
class CreateOrganisationInput:
    kind: OrganisationKindEnum
    slug: str = strawberry.field(
        description="Unique; lower-case letters, digits and dashes (CONFLICT when taken)."
    )
    name: str
    country: str = strawberry.field(
        description="ISO 3166-1 alpha-2; UA for manufacturers. A partner starts PENDING and "
        "reads nothing but `me` until vetted."
    )


@strawberry.input
class UpdateOrganisationInput:
    organisation_id: strawberry.ID
    name: str


def _payload(row: OrganisationRow) -> OrganisationPayload:
    return OrganisationPayload(organisation=Organisation.from_row(row), errors=[])


def _failed(errors: list[UserError]) -> OrganisationPayload:
    return OrganisationPayload(organisation=None, errors=errors)


@strawberry.type
class OnboardingQuery:
    @strawberry.field(description="Curator: every organisation, by name.")
    async def organisations(
        self,
        info: Info[Context, Any],
        kind: OrganisationKindEnum | None = None,
        vetting: VettingStatusEnum | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[Organisation]:
        require(info, MANAGE)
        ctx = info.context
        size = page_size(info, first)
        async with refusals_as_errors(), ctx.db.read() as session:
            page = await domain.list_organisations(
                session, ctx.principal, kind=kind, vetting=vetting, first=size, after=after
            )

        async def count(session: Any) -> int:
            return await domain.count_organisations(session, kind, vetting)

        nodes = [Organisation.from_row(row) for row in page.items]
        return connection(nodes, page, after, count)


@strawberry.type
class OnboardingMutation:
    @strawberry.mutation(
        description="Curator: onboard an organisation (partner agency, manufacturer, curator "
        "or licensing office)."
    )
    async def create_organisation(
        self, info: Info[Context, Any], input: CreateOrganisationInput
    ) -> OrganisationPayload:
        require(info, MANAGE)
        ctx = info.context
        return await mutation_payload(
            lambda: domain.create_organisation(
                ctx.db,
                ctx.principal,
                kind=OrgKind(input.kind),
                slug=input.slug,
                name=input.name,
                country=input.country,
            ),
            _payload,
            _failed,
        )

    @strawberry.mutation(description="Curator: rename an organisation.")
    async def update_organisation(
        self, info: Info[Context, Any], input: UpdateOrganisationInput
    ) -> OrganisationPayload:
        require(info, MANAGE)
        ctx = info.context

        async def rename() -> OrganisationRow:
            org_id = organisation_id(input.organisation_id)
            return await domain.update_organisation(ctx.db, ctx.principal, org_id, name=input.name)

        return await mutation_payload(rename, _payload, _failed)
