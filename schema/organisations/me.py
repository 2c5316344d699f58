"""`me`: who the caller is, as the service sees it."""

import strawberry
from strawberry.types import Info

from schema.context import Context


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
        )
