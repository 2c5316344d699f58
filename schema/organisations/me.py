"""`me`: who the caller is, as the service sees it."""

import uuid

import strawberry
from strawberry.types import Info

from schema.context import Context
from schema.loaders import officer_loader
from schema.organisations.officers import Officer


@strawberry.type
class MeOrganisation:
    slug: str | None
    name: str | None
    kind: str | None
    country: str | None
    vetting: str | None


@strawberry.type
class Me:
    subject: str
    client_id: str | None
    scopes: list[str]
    organisation: MeOrganisation | None
    officer_id: strawberry.Private[uuid.UUID | None]

    @strawberry.field(
        description="The named officer a LICENSING or CURATOR client (or external identity) "
        "acts for."
    )
    async def officer(self, info: Info[Context, None]) -> Officer | None:
        if self.officer_id is None:
            return None
        row = await officer_loader(info).load(self.officer_id)
        return Officer.from_row(row) if row is not None else None


@strawberry.type
class MeQuery:
    @strawberry.field(description="The authenticated caller.")
    async def me(self, info: Info[Context, None]) -> Me:
        principal = info.context.principal
        organisation = None
        if principal.org_id is not None:
            organisation = MeOrganisation(
                slug=principal.org_slug,
                name=principal.org_name,
                kind=principal.kind.value if principal.kind else None,
                country=principal.country,
                vetting=principal.vetting.value if principal.vetting else None,
            )
        return Me(
            subject=principal.subject,
            client_id=principal.client_id,
            scopes=sorted(principal.scopes),
            organisation=organisation,
            officer_id=principal.officer_id,
        )
