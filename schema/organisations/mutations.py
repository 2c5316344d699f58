"""Partner vetting and the partner-country list (curators); embargoes (licensing)."""

from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.enums import VettingStatus
from catalog.core.errors import DomainError, not_found
from catalog.models import Country as CountryRow
from catalog.organisations import countries as country_domain
from catalog.organisations import directory as domain
from schema.context import Context
from schema.errors import UserError, mutation_payload, user_errors
from schema.organisations.types import Country, Partner
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
        # The partner's id as `partners` or `organisations` gives it.
        org_id = id_of_type(global_id, "Partner") or id_of_type(global_id, "Organisation")
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


@strawberry.input
class CountryChangeInput:
    country: str = strawberry.field(description="ISO 3166-1 alpha-2 code")
    reason: str = strawberry.field(description="Recorded in the audit log.")


@strawberry.type
class CountryPayload:
    country: Country | None
    errors: list[UserError]


CountryChange = Callable[..., Awaitable[CountryRow]]


async def _country_change(
    info: Info[Context, Any], change: CountryChange, given: CountryChangeInput
) -> CountryPayload:
    ctx = info.context
    return await mutation_payload(
        lambda: change(ctx.db, ctx.principal, given.country, given.reason),
        lambda row: CountryPayload(country=Country.from_row(row), errors=[]),
        lambda errors: CountryPayload(country=None, errors=errors),
    )


@strawberry.type
class CountryMutation:
    @strawberry.mutation(
        description="Curator: add a country to the programme's partner countries (never an "
        "embargoed one); the held quotes it concerns resume."
    )
    async def add_partner_country(
        self, info: Info[Context, Any], input: CountryChangeInput
    ) -> CountryPayload:
        require(info, "catalog:curate")
        return await _country_change(info, country_domain.add_partner_country, input)

    @strawberry.mutation(
        description="Curator: remove a country from the partner countries; its open quotes "
        "are held."
    )
    async def remove_partner_country(
        self, info: Info[Context, Any], input: CountryChangeInput
    ) -> CountryPayload:
        require(info, "catalog:curate")
        return await _country_change(info, country_domain.remove_partner_country, input)

    @strawberry.mutation(
        description="Licensing: impose an arms embargo on a country; it leaves the partner "
        "countries and its open quotes are held."
    )
    async def embargo_country(
        self, info: Info[Context, Any], input: CountryChangeInput
    ) -> CountryPayload:
        require(info, "licensing:rules")
        return await _country_change(info, country_domain.embargo_country, input)

    @strawberry.mutation(
        description="Licensing: lift an arms embargo (the country is not a partner country "
        "again until a curator adds it)."
    )
    async def lift_embargo(
        self, info: Info[Context, Any], input: CountryChangeInput
    ) -> CountryPayload:
        require(info, "licensing:rules")
        return await _country_change(info, country_domain.lift_embargo, input)
