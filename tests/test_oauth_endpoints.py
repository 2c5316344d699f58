"""The token endpoint, scopes, transport rules, discovery, introspection and revocation."""

import time
from collections.abc import AsyncIterator

import httpx
import pytest
from sqlalchemy import update

from api.app import create_app
from api.settings import Settings
from auth.clients import CreatedClient, create_client
from catalog.core.db import Database
from catalog.core.errors import DomainError
from catalog.core.principal import SYSTEM
from catalog.core.transactions import write
from catalog.models import OAuthClient
from tests.forge import claims_of, header_of
from tests.tokens import bearer, new_officer_email

GRANT = {"grant_type": "client_credentials"}
ME = {"query": "{ me { scopes organisation { slug vetting } } }"}


async def client_for(db: Database, slug: str, scopes: list[str] | None = None) -> CreatedClient:
    return await create_client(
        db, org_slug=slug, scopes=scopes, name=f"test {slug}", officer_email=new_officer_email()
    )


def basic(client: CreatedClient) -> tuple[str, str]:
    return (client.client_id, client.client_secret)


async def token(api: httpx.AsyncClient, client: CreatedClient, **form: str) -> httpx.Response:
    return await api.post("/oauth/token", data={**GRANT, **form}, auth=basic(client))


async def test_token_response_and_claims(
    api: httpx.AsyncClient, seeded: Database, settings: Settings
) -> None:
    client = await client_for(seeded, "demo-partner-PL")
    response = await token(api, client)
    assert response.status_code == 200, response.text
    assert response.headers["cache-control"] == "no-store"
    body = response.json()
    assert body["token_type"] == "Bearer" and body["expires_in"] == 600
    assert "refresh_token" not in body
    header, claims = header_of(body["access_token"]), claims_of(body["access_token"])
    assert header["typ"] == "at+jwt" and header["alg"] == "ES256" and header["kid"]
    assert claims["iss"] == settings.issuer and claims["aud"] == settings.audience
    assert claims["sub"] == claims["client_id"] == client.client_id
    assert claims["scope"] == "catalog:read clients:manage quotes:read quotes:request"
    assert claims["exp"] - claims["iat"] == 600 and len(claims["jti"]) >= 16
    assert abs(claims["iat"] - time.time()) < 60
    jwks = (await api.get("/.well-known/jwks.json")).json()
    published = {k["kid"]: k for k in jwks["keys"]}
    assert header["kid"] in published and "d" not in published[header["kid"]]


async def test_client_secret_post(api: httpx.AsyncClient, seeded: Database) -> None:
    client = await client_for(seeded, "demo-manufacturer-1")
    form = {**GRANT, "client_id": client.client_id, "client_secret": client.client_secret}
    response = await api.post("/oauth/token", data=form)
    assert response.status_code == 200, response.text
    me = await api.post("/graphql", json=ME, headers=bearer(response.json()["access_token"]))
    assert me.json()["data"]["me"]["organisation"]["slug"] == "demo-manufacturer-1"


@pytest.mark.parametrize("how", ["basic", "post"])
async def test_wrong_secret_and_unknown_client(
    api: httpx.AsyncClient, seeded: Database, how: str
) -> None:
    client = await client_for(seeded, "demo-partner-PL")
    for client_id, secret in [(client.client_id, "wrong"), ("mkt_nobody", client.client_secret)]:
        if how == "basic":
            response = await api.post("/oauth/token", data=GRANT, auth=(client_id, secret))
        else:
            form = {**GRANT, "client_id": client_id, "client_secret": secret}
            response = await api.post("/oauth/token", data=form)
        assert response.status_code in (400, 401)
        assert response.json()["error"] == "invalid_client"
        assert "access_token" not in response.json()


async def test_other_grants_and_bodies_are_refused(
    api: httpx.AsyncClient, seeded: Database
) -> None:
    client = await client_for(seeded, "demo-partner-PL")
    password = await api.post("/oauth/token", data={"grant_type": "password"}, auth=basic(client))
    assert password.json()["error"] == "unsupported_grant_type"
    as_json = await api.post("/oauth/token", json=GRANT, auth=basic(client))
    assert as_json.status_code == 400 and as_json.json()["error"] == "invalid_request"
    repeated = await api.post(
        "/oauth/token",
        content="grant_type=client_credentials&scope=catalog:read&scope=quotes:read",
        headers={"Content-Type": "application/x-www-form-urlencoded"},
        auth=basic(client),
    )
    assert repeated.status_code == 400 and repeated.json()["error"] == "invalid_request"


async def test_revoked_client_gets_no_token(api: httpx.AsyncClient, seeded: Database) -> None:
    from auth.clients import revoke_client

    client = await client_for(seeded, "demo-partner-PL")
    await revoke_client(seeded, client.client_id)
    assert (await token(api, client)).json()["error"] == "invalid_client"


async def test_scope_narrows(api: httpx.AsyncClient, seeded: Database) -> None:
    client = await client_for(seeded, "demo-partner-PL")
    response = await token(api, client, scope="catalog:read")
    assert response.json()["scope"] == "catalog:read"
    me = await api.post("/graphql", json=ME, headers=bearer(response.json()["access_token"]))
    assert me.json()["data"]["me"]["scopes"] == ["catalog:read"]


async def test_scope_never_widens(api: httpx.AsyncClient, seeded: Database) -> None:
    client = await client_for(seeded, "demo-partner-PL", scopes=["catalog:read"])
    for scope in ["quotes:request", "catalog:read quotes:request", "catalog:curate", "admin"]:
        response = await token(api, client, scope=scope)
        assert response.status_code == 400, scope
        assert response.json()["error"] == "invalid_scope"
    assert (await token(api, client)).json()["scope"] == "catalog:read"


async def test_scopes_outside_the_kind_are_refused_at_creation(seeded: Database) -> None:
    for slug, scope in [
        ("demo-partner-PL", "catalog:curate"),
        ("demo-manufacturer-1", "licensing:review"),
        ("demo-curator", "quotes:request"),
        ("demo-licensing", "products:write"),
        ("demo-partner-PL", "no-such-scope"),
    ]:
        with pytest.raises(DomainError) as refused:
            await client_for(seeded, slug, scopes=["catalog:read", scope])
        assert refused.value.code == "INVALID" and scope in str(refused.value)
    with pytest.raises(DomainError) as unknown:
        await client_for(seeded, "demo-partner-XX")
    assert unknown.value.code == "NOT_FOUND"


async def test_scopes_outside_the_kind_are_refused_at_token_time(
    api: httpx.AsyncClient, seeded: Database
) -> None:
    """A client whose stored scopes exceed its kind (written before a policy change, say) is
    still held to the kind's set, when the token is issued and when it is used."""
    client = await client_for(seeded, "demo-partner-PL")
    async with write(seeded, SYSTEM) as tx:
        await tx.session.execute(
            update(OAuthClient)
            .where(OAuthClient.client_id == client.client_id)
            .values(scopes="catalog:read catalog:curate quotes:read quotes:request")
        )
        tx.audit("oauth_client.scopes_changed", "OAuthClient", client.client_id)
    refused = await token(api, client, scope="catalog:curate")
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_scope"
    issued = await token(api, client)
    assert issued.json()["scope"] == "catalog:read quotes:read quotes:request"


async def test_scopes_are_cut_to_the_client_s_current_scopes(
    api: httpx.AsyncClient, seeded: Database
) -> None:
    client = await client_for(seeded, "demo-partner-PL")
    access = (await token(api, client)).json()["access_token"]
    async with write(seeded, SYSTEM) as tx:
        await tx.session.execute(
            update(OAuthClient)
            .where(OAuthClient.client_id == client.client_id)
            .values(scopes="catalog:read")
        )
        tx.audit("oauth_client.scopes_changed", "OAuthClient", client.client_id)
    me = await api.post("/graphql", json=ME, headers=bearer(access))
    assert me.json()["data"]["me"]["scopes"] == ["catalog:read"]


@pytest.mark.parametrize(
    ("slug", "vetting"), [("demo-partner-SK", "SUSPENDED"), ("demo-partner-RO", "PENDING")]
)
async def test_unvetted_partner_gets_a_token_and_reads_me(
    api: httpx.AsyncClient, seeded: Database, slug: str, vetting: str
) -> None:
    response = await token(api, await client_for(seeded, slug))
    assert response.status_code == 200
    me = await api.post("/graphql", json=ME, headers=bearer(response.json()["access_token"]))
    assert me.json()["data"]["me"]["organisation"] == {"slug": slug, "vetting": vetting}


@pytest.fixture
async def remote_api(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The app as reached from a non-loopback address, behind a proxy we trust (203.0.113.1)."""
    app = create_app(settings.model_copy(update={"trusted_proxies": ["203.0.113.1"]}), db=db)
    transport = httpx.ASGITransport(app=app, client=("203.0.113.1", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://market.example") as client:
        yield client


async def test_plain_http_is_refused_away_from_loopback(
    remote_api: httpx.AsyncClient, seeded: Database, settings: Settings, db: Database
) -> None:
    client = await client_for(seeded, "demo-partner-PL")
    plain = await remote_api.post("/oauth/token", data=GRANT, auth=basic(client))
    assert plain.status_code == 400 and plain.json()["error"] == "invalid_request"
    forwarded = await remote_api.post(
        "/oauth/token", data=GRANT, auth=basic(client), headers={"X-Forwarded-Proto": "https"}
    )
    assert forwarded.status_code == 200, forwarded.text
    # the same header from an address that is not a trusted proxy counts for nothing
    app = create_app(settings, db=db)
    transport = httpx.ASGITransport(app=app, client=("198.51.100.7", 40000))
    async with httpx.AsyncClient(transport=transport, base_url="http://market.example") as other:
        spoofed = await other.post(
            "/oauth/token", data=GRANT, auth=basic(client), headers={"X-Forwarded-Proto": "https"}
        )
    assert spoofed.status_code == 400 and "access_token" not in spoofed.json()


async def test_discovery_metadata(api: httpx.AsyncClient, settings: Settings) -> None:
    metadata = (await api.get("/.well-known/oauth-authorization-server")).json()
    assert metadata["issuer"] == settings.issuer
    assert metadata["token_endpoint"].endswith("/oauth/token")
    assert metadata["jwks_uri"].endswith("/.well-known/jwks.json")
    assert metadata["grant_types_supported"] == ["client_credentials"]
    assert set(metadata["token_endpoint_auth_methods_supported"]) == {
        "client_secret_basic",
        "client_secret_post",
    }
    assert "catalog:read" in metadata["scopes_supported"]


async def introspect(
    api: httpx.AsyncClient, caller: CreatedClient, access_token: str
) -> httpx.Response:
    return await api.post("/oauth/introspect", data={"token": access_token}, auth=basic(caller))


async def test_introspection(api: httpx.AsyncClient, seeded: Database) -> None:
    partner = await client_for(seeded, "demo-partner-PL")
    colleague = await client_for(seeded, "demo-partner-PL", scopes=["catalog:read"])
    stranger = await client_for(seeded, "demo-partner-DE")
    curator = await client_for(seeded, "demo-curator")
    licensing = await client_for(seeded, "demo-licensing")
    access = (await token(api, partner, scope="catalog:read quotes:read")).json()["access_token"]

    own = (await introspect(api, partner, access)).json()
    assert own["active"] is True
    assert own["client_id"] == partner.client_id and own["scope"] == "catalog:read quotes:read"
    assert own["org_slug"] == "demo-partner-PL" and own["token_type"] == "Bearer"
    assert own["exp"] == claims_of(access)["exp"]
    assert (await introspect(api, colleague, access)).json()["active"] is True
    assert (await introspect(api, stranger, access)).json() == {"active": False}
    assert (await introspect(api, curator, access)).json()["active"] is True
    assert (await introspect(api, licensing, access)).json()["active"] is True
    assert (await introspect(api, partner, "garbage")).json() == {"active": False}

    anonymous = await api.post("/oauth/introspect", data={"token": access})
    assert anonymous.status_code in (400, 401) and anonymous.json()["error"] == "invalid_client"
    wrong = await api.post(
        "/oauth/introspect", data={"token": access}, auth=(partner.client_id, "nope")
    )
    assert wrong.json()["error"] == "invalid_client"


async def test_revocation(api: httpx.AsyncClient, seeded: Database) -> None:
    partner = await client_for(seeded, "demo-partner-PL")
    stranger = await client_for(seeded, "demo-partner-DE")
    curator = await client_for(seeded, "demo-curator")
    first = (await token(api, partner)).json()["access_token"]
    second = (await token(api, partner)).json()["access_token"]

    refused = await api.post("/oauth/revoke", data={"token": first}, auth=basic(stranger))
    assert refused.status_code == 400 and refused.json()["error"] == "invalid_grant"
    assert (await introspect(api, partner, first)).json()["active"] is True

    ok = await api.post("/oauth/revoke", data={"token": first}, auth=basic(partner))
    assert ok.status_code == 200
    assert (await introspect(api, partner, first)).json() == {"active": False}
    assert (await api.post("/graphql", json=ME, headers=bearer(first))).status_code == 401
    again = await api.post("/oauth/revoke", data={"token": first}, auth=basic(partner))
    assert again.status_code == 200  # RFC 7009: revoking an invalid token is not an error
    unknown = await api.post("/oauth/revoke", data={"token": "garbage"}, auth=basic(partner))
    assert unknown.status_code == 200

    by_curator = await api.post("/oauth/revoke", data={"token": second}, auth=basic(curator))
    assert by_curator.status_code == 200
    assert (await api.post("/graphql", json=ME, headers=bearer(second))).status_code == 401
