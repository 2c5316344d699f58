"""A standard OAuth client (authlib's AsyncOAuth2Client) against the service served by uvicorn
on 127.0.0.1, over real HTTP: discovery, token, then a GraphQL call with the token."""

from collections.abc import Iterator

import pytest
from authlib.integrations.httpx_client import AsyncOAuth2Client

from api.app import create_app
from api.settings import Settings
from auth.clients import create_client
from catalog.core.db import Database
from tests.live import serve

ME = {"query": "{ me { scopes organisation { slug kind } } }"}


@pytest.fixture
def live_url(settings: Settings, seeded: Database) -> Iterator[str]:
    # The served app builds its own Database: engines belong to the server thread's event loop.
    with serve(create_app(settings)) as base:
        yield base


@pytest.mark.parametrize("method", ["client_secret_basic", "client_secret_post"])
async def test_authlib_client_gets_a_token_and_calls_me(
    live_url: str, seeded: Database, method: str
) -> None:
    created = await create_client(
        seeded,
        org_slug="demo-licensing",
        scopes=None,
        name="lib",
        officer_email="olena.kovalenko@demo-licensing.example",
    )
    async with AsyncOAuth2Client(
        created.client_id,
        created.client_secret,
        scope="catalog:read licensing:review",
        token_endpoint_auth_method=method,
        timeout=20,
    ) as oauth:
        discovery = f"{live_url}/.well-known/oauth-authorization-server"
        metadata = (await oauth.request("GET", discovery, withhold_token=True)).json()
        token_endpoint = metadata["token_endpoint"].replace(
            metadata["issuer"].rstrip("/"), live_url
        )
        token = await oauth.fetch_token(token_endpoint, grant_type="client_credentials")
        assert token["token_type"] == "Bearer" and token["scope"] == "catalog:read licensing:review"
        response = await oauth.post(f"{live_url}/graphql", json=ME)
    assert response.status_code == 200, response.text
    assert response.json()["data"]["me"] == {
        "scopes": ["catalog:read", "licensing:review"],
        "organisation": {"slug": "demo-licensing", "kind": "LICENSING"},
    }
