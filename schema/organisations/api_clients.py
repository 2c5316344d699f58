"""API clients over GraphQL: curators (`organisations:manage`) administer every
organisation's clients, a partner or manufacturer (`clients:manage`) its own. The secret is in
`ApiClientPayload.clientSecret` of `createApiClient` and `rotateApiClientSecret` only; no
type has a field that could show it again."""

from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.models import OAuthClient
from catalog.organisations import clients as domain
from catalog.organisations.clients import IssuedClient
from schema.context import Context
from schema.errors import UserError, mutation_payload
from schema.loaders import officer_loader
from schema.organisations.officers import Officer, officer_id_of
from schema.organisations.onboarding import (
    MANAGE,
    organisation_id,
    parse_organisation_id,
    refusals_as_errors,
)
from schema.permissions import require_one_of

OWN = "clients:manage"


@strawberry.type(description="An OAuth client (client_credentials) of an organisation.")
class ApiClient:
    row: strawberry.Private[OAuthClient]
    client_id: str
    name: str
    scopes: list[str]
    created_at: datetime
    last_used_at: datetime | None
    revoked_at: datetime | None

    @strawberry.field(description="LICENSING and CURATOR clients: the person it acts for.")
    async def officer(self, info: Info[Context, Any]) -> Officer | None:
        if self.row.officer_id is None:
            return None
        row = await officer_loader(info).load(self.row.officer_id)
        return Officer.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: OAuthClient) -> "ApiClient":
        return cls(
            row=row,
            client_id=row.client_id,
            name=row.name,
            scopes=row.scopes.split(),
            created_at=row.created_at,
            last_used_at=row.last_used_at,
            revoked_at=row.revoked_at,
        )


@strawberry.type
class ApiClientPayload:
    api_client: ApiClient | None
    client_secret: str | None = strawberry.field(
        description="Shown in this answer only: it is stored hashed and cannot be read again."
    )
    errors: list[UserError]


@strawberry.input
class CreateApiClientInput:
    organisation_id: strawberry.ID
    name: str
    scopes: list[str] | None = strawberry.field(
        default=None, description="A subset of the organisation kind's scopes; default: all."
    )
    officer_id: strawberry.ID | None = strawberry.field(
        default=None, description="Required for LICENSING and CURATOR organisations."
    )


@strawberry.input
class ApiClientInput:
    client_id: str


def _issued(issued: IssuedClient) -> ApiClientPayload:
    return ApiClientPayload(
        api_client=ApiClient.from_row(issued.client), client_secret=issued.secret, errors=[]
    )


def _failed(errors: list[UserError]) -> ApiClientPayload:
    return ApiClientPayload(api_client=None, client_secret=None, errors=errors)


@strawberry.type
class ApiClientQuery:
    @strawberry.field(description="An organisation's API clients, without their secrets.")
    async def api_clients(
        self, info: Info[Context, Any], organisation_id: strawberry.ID
    ) -> list[ApiClient]:
        require_one_of(info, MANAGE, OWN)
        ctx = info.context
        org_id = parse_organisation_id(organisation_id)
        if org_id is None:
            return []
        async with refusals_as_errors(), ctx.db.read() as session:
            rows = await domain.list_api_clients(session, ctx.principal, org_id)
        return [ApiClient.from_row(row) for row in rows]


@strawberry.type
class ApiClientMutation:
    @strawberry.mutation(description="Issue an API client; its secret is shown in this answer.")
    async def create_api_client(
        self, info: Info[Context, Any], input: CreateApiClientInput
    ) -> ApiClientPayload:
        require_one_of(info, MANAGE, OWN)
        ctx = info.context

        async def create() -> IssuedClient:
            return await domain.create_api_client(
                ctx.db,
                ctx.principal,
                organisation_id(input.organisation_id),
                name=input.name,
                scopes=input.scopes,
                officer_id=officer_id_of(input.officer_id),
            )

        return await mutation_payload(create, _issued, _failed)

    @strawberry.mutation(
        description="A new secret, shown in this answer; the old one stops working at once."
    )
    async def rotate_api_client_secret(
        self, info: Info[Context, Any], input: ApiClientInput
    ) -> ApiClientPayload:
        require_one_of(info, MANAGE, OWN)
        ctx = info.context
        return await mutation_payload(
            lambda: domain.rotate_secret(ctx.db, ctx.principal, input.client_id), _issued, _failed
        )

    @strawberry.mutation(
        description="Revoke a client: it gets no more tokens, and its live tokens are refused "
        "(401) from their next request."
    )
    async def revoke_api_client(
        self, info: Info[Context, Any], input: ApiClientInput
    ) -> ApiClientPayload:
        require_one_of(info, MANAGE, OWN)
        ctx = info.context
        return await mutation_payload(
            lambda: domain.revoke_api_client(ctx.db, ctx.principal, input.client_id),
            lambda row: ApiClientPayload(
                api_client=ApiClient.from_row(row), client_secret=None, errors=[]
            ),
            _failed,
        )
