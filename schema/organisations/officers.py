"""Officers, the named people of LICENSING and CURATOR organisations (curators,
`organisations:manage`): the `Officer` type, `officers` and `createOfficer`."""

import uuid
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.models import Officer as OfficerRow
from catalog.organisations import officers as domain
from schema.context import Context
from schema.errors import UserError, mutation_payload
from schema.organisations.onboarding import (
    MANAGE,
    organisation_id,
    parse_organisation_id,
    refusals_as_errors,
)
from schema.permissions import require
from schema.relay import id_of_type, to_global_id


@strawberry.type(description="A named person who decides (licensing) or curates.")
class Officer:
    id: strawberry.ID
    name: str
    email: str

    @classmethod
    def from_row(cls, row: OfficerRow) -> "Officer":
        return cls(id=officer_global_id(row.id), name=row.name, email=row.email)


def officer_global_id(officer_id: uuid.UUID) -> strawberry.ID:
    return to_global_id("Officer", officer_id)


def officer_id_of(global_id: str | None) -> uuid.UUID | None:
    """The officer's uuid; a malformed or foreign ID becomes a uuid no officer has, so the
    domain answers NOT_FOUND exactly as for an unknown officer."""
    if global_id is None:
        return None
    return id_of_type(global_id, "Officer") or uuid.UUID(int=0)


@strawberry.type
class OfficerPayload:
    officer: Officer | None
    errors: list[UserError]


@strawberry.input
class CreateOfficerInput:
    organisation_id: strawberry.ID
    name: str
    email: str
    external_subject: str | None = strawberry.field(
        default=None,
        description="`issuer#sub` of this person's tokens from an external identity provider "
        "(EXTERNAL_ISSUERS), which then act for them.",
    )


@strawberry.type
class OfficerQuery:
    @strawberry.field(description="Curator: the officers of a LICENSING or CURATOR organisation.")
    async def officers(
        self, info: Info[Context, Any], organisation_id: strawberry.ID
    ) -> list[Officer]:
        require(info, MANAGE)
        ctx = info.context
        org_id = parse_organisation_id(organisation_id)
        if org_id is None:
            return []
        async with refusals_as_errors(), ctx.db.read() as session:
            rows = await domain.list_officers(session, ctx.principal, org_id)
        return [Officer.from_row(row) for row in rows]


@strawberry.type
class OfficerMutation:
    @strawberry.mutation(
        description="Curator: add a named officer to a LICENSING or CURATOR organisation."
    )
    async def create_officer(
        self, info: Info[Context, Any], input: CreateOfficerInput
    ) -> OfficerPayload:
        require(info, MANAGE)
        ctx = info.context

        async def create() -> OfficerRow:
            return await domain.create_officer(
                ctx.db,
                ctx.principal,
                organisation_id(input.organisation_id),
                name=input.name,
                email=input.email,
                external_subject=input.external_subject,
            )

        return await mutation_payload(
            create,
            lambda row: OfficerPayload(officer=Officer.from_row(row), errors=[]),
            lambda errors: OfficerPayload(officer=None, errors=errors),
        )
