"""Getting a token and being recognised: real clients, real tokens, over HTTP."""

from collections.abc import Awaitable, Callable

import httpx
import pytest

from tests.tokens import bearer

TokenFor = Callable[..., Awaitable[str]]
ME = "{ me { subject clientId organisation { slug name kind country vetting } scopes } }"


async def me(api: httpx.AsyncClient, token: str) -> httpx.Response:
    return await api.post("/graphql", json={"query": ME}, headers=bearer(token))


@pytest.mark.parametrize(
    ("slug", "kind", "country", "vetting", "scopes"),
    [
        (
            "demo-partner-PL",
            "PARTNER",
            "PL",
            "VETTED",
            ["catalog:read", "clients:manage", "quotes:read", "quotes:request"],
        ),
        (
            "demo-manufacturer-1",
            "MANUFACTURER",
            "UA",
            "VETTED",
            ["catalog:read", "clients:manage", "products:write", "quotes:read", "quotes:respond"],
        ),
        (
            "demo-curator",
            "CURATOR",
            "UA",
            "VETTED",
            [
                "audit:read",
                "catalog:curate",
                "catalog:read",
                "organisations:manage",
                "partners:vet",
            ],
        ),
        (
            "demo-licensing",
            "LICENSING",
            "UA",
            "VETTED",
            ["audit:read", "catalog:read", "licensing:review", "licensing:rules", "quotes:read"],
        ),
    ],
)
async def test_me_for_each_kind_of_organisation(
    api: httpx.AsyncClient,
    token_for: TokenFor,
    slug: str,
    kind: str,
    country: str,
    vetting: str,
    scopes: list[str],
) -> None:
    response = await me(api, await token_for(slug))
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body
    data = body["data"]["me"]
    assert data["organisation"]["slug"] == slug
    assert data["organisation"]["kind"] == kind
    assert data["organisation"]["country"] == country
    assert data["organisation"]["vetting"] == vetting
    assert data["organisation"]["name"]
    assert data["scopes"] == scopes
    assert data["subject"] == data["clientId"]
