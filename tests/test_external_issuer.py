"""Tokens from a trusted external identity provider.

The provider is real as far as this service can tell: its JWKS is served over HTTP by a small
Starlette app under uvicorn on 127.0.0.1 (a free port, in a background thread), and fetched
with httpx like any other provider's. Its tokens are signed here with its RSA key.
"""

import time
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from joserfc import jwt
from joserfc.jwk import RSAKey
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

from api.app import create_app
from api.settings import Settings
from auth.config import ExternalIssuer
from catalog.core.db import Database
from tests.forge import hmac_signed
from tests.live import serve
from tests.tokens import bearer

ISSUER = "https://idp.ministry.example"
AUDIENCE = "defence-export-market"
ME = {"query": "{ me { subject clientId scopes organisation { slug kind country } } }"}


@pytest.fixture(scope="module")
def idp_key() -> RSAKey:
    return RSAKey.generate_key(2048, parameters={"kid": "idp-2026", "alg": "RS256"}, private=True)


@pytest.fixture(scope="module")
def idp_url(idp_key: RSAKey) -> Iterator[str]:
    async def jwks(request: Request) -> JSONResponse:
        return JSONResponse({"keys": [idp_key.as_dict(private=False)]})

    with serve(Starlette(routes=[Route("/jwks", jwks)])) as base:
        yield base


@pytest.fixture
async def federated(
    settings: Settings, seeded: Database, idp_url: str
) -> AsyncIterator[httpx.AsyncClient]:
    trusted = ExternalIssuer(
        issuer=ISSUER,
        jwks_url=f"{idp_url}/jwks",
        audience=AUDIENCE,
        org_claim="agency",
        organisations={"PL-MOD-PROCUREMENT": "demo-partner-PL", "SK-MOD": "demo-partner-SK"},
    )
    app = create_app(settings.model_copy(update={"external_issuers": [trusted]}), db=seeded)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        yield client


def idp_claims(**changes: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": ISSUER,
        "aud": AUDIENCE,
        "sub": "officer-17",
        "azp": "procurement-portal",
        "agency": "PL-MOD-PROCUREMENT",
        "scope": "catalog:read quotes:request catalog:curate",
        "iat": now,
        "exp": now + 300,
        "jti": "idp-token-1",
    }
    claims.update(changes)
    return {k: v for k, v in claims.items() if v is not None}


def idp_token(key: RSAKey, **changes: Any) -> str:
    return jwt.encode({"alg": "RS256", "typ": "at+jwt", "kid": key.kid}, idp_claims(**changes), key)


async def me(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/graphql", json=ME, headers=bearer(token))


async def test_a_trusted_issuer_s_token_maps_to_an_organisation(
    federated: httpx.AsyncClient, idp_key: RSAKey
) -> None:
    response = await me(federated, idp_token(idp_key))
    assert response.status_code == 200, response.text
    data = response.json()["data"]["me"]
    assert data["organisation"] == {"slug": "demo-partner-PL", "kind": "PARTNER", "country": "PL"}
    assert data["subject"] == f"{ISSUER}#officer-17"
    assert data["clientId"] == "procurement-portal"
    # catalog:curate is outside a partner's set: dropped, never granted
    assert data["scopes"] == ["catalog:read", "quotes:request"]


@pytest.mark.parametrize(
    "changes",
    [
        pytest.param({"agency": "FR-DGA"}, id="unmapped-organisation"),
        pytest.param({"agency": None}, id="no-organisation-claim"),
        pytest.param({"aud": "someone-else"}, id="wrong-audience"),
        pytest.param({"exp": int(time.time()) - 600, "iat": int(time.time()) - 900}, id="expired"),
        pytest.param({"iat": int(time.time()) + 900, "exp": int(time.time()) + 1200}, id="future"),
        pytest.param({"sub": None}, id="no-subject"),
    ],
)
async def test_refused_external_tokens(
    federated: httpx.AsyncClient, idp_key: RSAKey, changes: dict[str, Any]
) -> None:
    response = await me(federated, idp_token(idp_key, **changes))
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'
    assert "data" not in response.json()


async def test_external_signatures_are_checked(
    federated: httpx.AsyncClient, idp_key: RSAKey, settings: Settings
) -> None:
    impostor = RSAKey.generate_key(2048, parameters={"kid": idp_key.kid}, private=True)
    forged = [
        idp_token(impostor),
        hmac_signed(idp_claims(), idp_key.as_pem(private=False), str(idp_key.kid)),
        # the provider's key cannot vouch for this service's own issuer
        idp_token(idp_key, iss=settings.issuer, aud=settings.audience),
    ]
    for token in forged:
        response = await me(federated, token)
        assert response.status_code == 401, token
        assert "data" not in response.json()


async def test_without_configuration_external_tokens_are_refused(
    api: httpx.AsyncClient, seeded: Database, idp_key: RSAKey
) -> None:
    response = await me(api, idp_token(idp_key))
    assert response.status_code == 401 and "data" not in response.json()


def test_symmetric_algorithms_cannot_be_configured() -> None:
    from auth.external import ExternalProvider

    with pytest.raises(ValueError, match="HS256"):
        ExternalProvider(
            ExternalIssuer(
                issuer=ISSUER,
                jwks_url="http://127.0.0.1:1/jwks",
                audience=AUDIENCE,
                org_claim="agency",
                algorithms=["RS256", "HS256"],
            )
        )
