"""Organisation queries: manufacturers, partners (curators) and countries."""

from typing import Any

import strawberry
from strawberry.types import Info

from catalog.organisations import countries as country_domain
from catalog.organisations import directory as domain
from schema.context import Context
from schema.organisations.types import Country, Manufacturer, Partner
from schema.permissions import require
from schema.relay import page_size


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

    @strawberry.field(
        description="ISO 3166-1 countries with embargo, EU/NATO membership and partner status."
    )
    async def countries(self, info: Info[Context, Any]) -> list[Country]:
        require(info, "catalog:read")
        async with info.context.db.read() as session:
            rows = await domain.list_countries(session)
        return [Country.from_row(c) for c in rows]

    @strawberry.field(description="The programme's partner countries: the ones it exports to.")
    async def partner_countries(self, info: Info[Context, Any]) -> list[Country]:
        require(info, "catalog:read")
        async with info.context.db.read() as session:
            rows = await country_domain.list_partner_countries(session)
        return [Country.from_row(c) for c in rows]
