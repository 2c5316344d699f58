"""Partner vetting (curators)."""

from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.enums import VettingStatus
from catalog.core.errors import DomainError, not_found
from catalog.organisations import directory as domain
from schema.context import Context
from schema.errors import UserError, user_errors
from schema.organisations.types import Partner
from schema.permissions import require
from schema.relay import id_of_type


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
