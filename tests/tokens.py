"""Real tokens for tests: a client is created in the database and a token fetched over HTTP."""

import uuid

import httpx

from auth.clients import create_client
from catalog.core.db import Database


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def new_officer_email() -> str:
    """A person nobody else in the test is: each token of a licensing or curator organisation
    stands for another officer unless the test names one."""
    return f"officer-{uuid.uuid4().hex[:12]}@officers.test"


async def issue_token(
    api: httpx.AsyncClient,
    db: Database,
    org_slug: str,
    scopes: list[str] | None = None,
    officer_email: str | None = None,
) -> str:
    """Create a client for `org_slug` (all its kind's scopes unless `scopes` says otherwise) and
    return an access token obtained from POST /oauth/token with client_secret_basic. A client of
    a LICENSING or CURATOR organisation acts for `officer_email`, by default a new officer."""
    created = await create_client(
        db,
        org_slug=org_slug,
        scopes=scopes,
        name=f"test {org_slug}",
        officer_email=officer_email or new_officer_email(),
    )
    response = await api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(created.client_id, created.client_secret),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])
