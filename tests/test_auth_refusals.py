"""Every way a bearer token can be wrong gets 401, `WWW-Authenticate: Bearer
error="invalid_token"` and no `data`; a request without a bearer token at all gets 401 and a
bare `WWW-Authenticate: Bearer` (RFC 6750 §3.1: no error code when no credentials were sent)."""

import time
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from joserfc.jwk import ECKey
from sqlalchemy import delete

from auth.clients import revoke_client
from catalog.core.db import Database
from catalog.core.principal import SYSTEM
from catalog.core.transactions import write
from catalog.models import OAuthClient
from tests.forge import claims_of, current_key, hmac_signed, sign, unsigned
from tests.tokens import bearer

TokenFor = Callable[..., Awaitable[str]]
ME = {"query": "{ me { subject } }"}


def assert_refused(
    response: httpx.Response, challenge: str = 'Bearer error="invalid_token"'
) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == challenge
    body = response.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def call(api: httpx.AsyncClient, headers: dict[str, str]) -> httpx.Response:
    return await api.post("/graphql", json=ME, headers=headers)


async def test_missing_token(api: httpx.AsyncClient) -> None:
    assert_refused(await call(api, {}), "Bearer")
    assert_refused(await api.get("/graphql", params={"query": "{ me { subject } }"}), "Bearer")


@pytest.mark.parametrize("authorization", ["Basic dXNlcjpwYXNz", "Token abc", ""])
async def test_no_bearer_credentials_get_a_challenge_without_error_code(
    api: httpx.AsyncClient, authorization: str
) -> None:
    """Another scheme is no bearer credentials at all (RFC 6750 §3.1)."""
    assert_refused(await call(api, {"Authorization": authorization}), "Bearer")


@pytest.mark.parametrize(
    "authorization", ["Bearer", "Bearer not-a-jwt", "Bearer a.b.c", "Bearer x y"]
)
async def test_malformed_authorization(api: httpx.AsyncClient, authorization: str) -> None:
    assert_refused(await call(api, {"Authorization": authorization}))


async def test_a_genuine_token_re_signed_by_the_forge_is_accepted(
    api: httpx.AsyncClient, seeded: Database, token_for: TokenFor
) -> None:
    """The control for the tests below: the forge itself produces acceptable tokens."""
    claims = claims_of(await token_for("demo-partner-PL"))
    forged = sign(claims, await current_key(seeded))
    response = await call(api, bearer(forged))
    assert response.status_code == 200 and response.json()["data"]["me"]["subject"]


def _shifted(claims: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**claims, **changes}


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda c, now: _shifted(c, exp=now - 120, iat=now - 800), id="expired"),
        pytest.param(lambda c, now: _shifted(c, iat=now + 600, exp=now + 900), id="iat-future"),
        pytest.param(lambda c, now: _shifted(c, nbf=now + 600), id="nbf-future"),
        pytest.param(lambda c, now: _shifted(c, iss="https://elsewhere.example"), id="wrong-iss"),
        pytest.param(lambda c, now: _shifted(c, aud="another-service"), id="wrong-aud"),
        pytest.param(lambda c, now: {k: v for k, v in c.items() if k != "exp"}, id="no-exp"),
        pytest.param(lambda c, now: {k: v for k, v in c.items() if k != "jti"}, id="no-jti"),
        pytest.param(lambda c, now: _shifted(c, client_id="mkt_nobody"), id="unknown-client"),
        # Longer-lived than this service issues (600 s by default), though validly signed.
        pytest.param(lambda c, now: _shifted(c, iat=now - 10, exp=now + 3600), id="too-long"),
        pytest.param(lambda c, now: _shifted(c, iat=now, exp=now + 601), id="lifetime-601"),
        pytest.param(
            lambda c, now: _shifted(c, org="00000000-0000-0000-0000-000000000000"),
            id="other-org",
        ),
    ],
)
async def test_bad_claims_signed_with_the_real_key(
    api: httpx.AsyncClient,
    seeded: Database,
    token_for: TokenFor,
    change: Callable[[dict[str, Any], int], dict[str, Any]],
) -> None:
    claims = change(claims_of(await token_for("demo-partner-PL")), int(time.time()))
    assert_refused(await call(api, bearer(sign(claims, await current_key(seeded)))))


async def test_small_clock_skew_is_tolerated(
    api: httpx.AsyncClient, seeded: Database, token_for: TokenFor
) -> None:
    now = int(time.time())
    claims = _shifted(claims_of(await token_for("demo-partner-PL")), iat=now + 5)
    response = await call(api, bearer(sign(claims, await current_key(seeded))))
    assert response.status_code == 200, response.text


async def test_signature_by_another_key_under_the_real_kid(
    api: httpx.AsyncClient, seeded: Database, token_for: TokenFor
) -> None:
    claims = claims_of(await token_for("demo-partner-PL"))
    real = await current_key(seeded)
    impostor = ECKey.generate_key("P-256", private=True)
    assert_refused(await call(api, bearer(sign(claims, impostor, kid=real.kid))))


async def test_unknown_kid(api: httpx.AsyncClient, token_for: TokenFor) -> None:
    claims = claims_of(await token_for("demo-partner-PL"))
    stranger = ECKey.generate_key("P-256", private=True)
    assert_refused(await call(api, bearer(sign(claims, stranger, kid="no-such-key"))))
    assert_refused(await call(api, bearer(sign(claims, stranger))))  # its own thumbprint kid


async def test_missing_kid_and_wrong_typ(
    api: httpx.AsyncClient, seeded: Database, token_for: TokenFor
) -> None:
    claims = claims_of(await token_for("demo-partner-PL"))
    key = await current_key(seeded)
    assert_refused(await call(api, bearer(sign(claims, key, kid=""))))
    assert_refused(await call(api, bearer(sign(claims, key, typ="JWT"))))


async def test_alg_none(api: httpx.AsyncClient, seeded: Database, token_for: TokenFor) -> None:
    claims = claims_of(await token_for("demo-partner-PL"))
    key = await current_key(seeded)
    assert_refused(await call(api, bearer(unsigned(claims, str(key.kid)))))


async def test_hs256_signed_with_the_public_key(
    api: httpx.AsyncClient, seeded: Database, token_for: TokenFor
) -> None:
    claims = claims_of(await token_for("demo-partner-PL"))
    key = await current_key(seeded)
    jwks = (await api.get("/.well-known/jwks.json")).json()
    public_jwk = next(k for k in jwks["keys"] if k["kid"] == key.kid)
    public_pem = ECKey.import_key(public_jwk).as_pem(private=False)
    for secret in (public_pem, public_pem.strip(), str(public_jwk).encode()):
        assert_refused(await call(api, bearer(hmac_signed(claims, secret, str(key.kid)))))


async def test_tampered_payload(api: httpx.AsyncClient, token_for: TokenFor) -> None:
    token = await token_for("demo-partner-PL")
    header, payload, signature = token.split(".")
    other = (await token_for("demo-curator")).split(".")[1]
    assert_refused(await call(api, bearer(f"{header}.{other}.{signature}")))
    assert payload != other


async def test_revoked_client(
    api: httpx.AsyncClient, seeded: Database, token_for: TokenFor
) -> None:
    token = await token_for("demo-partner-PL")
    assert (await call(api, bearer(token))).status_code == 200
    await revoke_client(seeded, claims_of(token)["client_id"])
    assert_refused(await call(api, bearer(token)))


async def test_deleted_client(
    api: httpx.AsyncClient, seeded: Database, token_for: TokenFor
) -> None:
    token = await token_for("demo-partner-PL")
    client_id = claims_of(token)["client_id"]
    async with write(seeded, SYSTEM) as tx:
        await tx.session.execute(delete(OAuthClient).where(OAuthClient.client_id == client_id))
        tx.audit("oauth_client.deleted", "OAuthClient", client_id)
    assert_refused(await call(api, bearer(token)))


async def test_revoked_token(api: httpx.AsyncClient, seeded: Database) -> None:
    from auth.clients import create_client

    created = await create_client(seeded, org_slug="demo-partner-PL", scopes=None, name="rev")
    credentials = (created.client_id, created.client_secret)
    data = {"grant_type": "client_credentials"}
    token = (await api.post("/oauth/token", data=data, auth=credentials)).json()["access_token"]
    other = (await api.post("/oauth/token", data=data, auth=credentials)).json()["access_token"]
    assert (await call(api, bearer(token))).status_code == 200
    revoked = await api.post("/oauth/revoke", data={"token": token}, auth=credentials)
    assert revoked.status_code == 200, revoked.text
    assert_refused(await call(api, bearer(token)))
    # only that token: the client's other token still works
    assert (await call(api, bearer(other))).status_code == 200
