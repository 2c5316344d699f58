"""Real tokens for tests: a client is created in the database and a token fetched over HTTP."""

import httpx

from auth.clients import create_client
from catalog.core.db import Database


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def issue_token(
    api: httpx.AsyncClient, db: Database, org_slug: str, scopes: list[str] | None = None
) -> str:
    """Create a client for `org_slug` (all its kind's scopes unless `scopes` says otherwise) and
    return an access token obtained from POST /oauth/token with client_secret_basic."""
    created = await create_client(db, org_slug=org_slug, scopes=scopes, name=f"test {org_slug}")
    response = await api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(created.client_id, created.client_secret),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
