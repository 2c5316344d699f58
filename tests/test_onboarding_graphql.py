"""Onboarding over GraphQL with real tokens, on SQLite and PostgreSQL: a curator onboards a
partner agency and issues its first API client; who may administer which clients; secrets
appear only in the answers that create or rotate them; revocation and rotation take effect at
once."""

import logging
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from catalog.core.db import Database
from catalog.models import AuditEvent, OAuthClient
from tests.graphql import error_codes, gql

TokenFor = Callable[..., Awaitable[str]]

CREATE_ORG = """mutation($input: CreateOrganisationInput!) { createOrganisation(input: $input) {
  organisation { id slug name kind country vetting } errors { field code message } } }"""
UPDATE_ORG = """mutation($input: UpdateOrganisationInput!) { updateOrganisation(input: $input) {
  organisation { id name slug } errors { field code } } }"""
ORGS = """query($kind: OrganisationKind, $vetting: VettingStatus, $first: Int, $after: String) {
  organisations(kind: $kind, vetting: $vetting, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor } edges { node { id slug kind vetting } } } }"""
CREATE_CLIENT = """mutation($input: CreateApiClientInput!) { createApiClient(input: $input) {
  apiClient { clientId name scopes createdAt lastUsedAt revokedAt officer { name } }
  clientSecret errors { field code message } } }"""
CLIENTS = """query($org: ID!) { apiClients(organisationId: $org) {
  clientId name scopes createdAt lastUsedAt revokedAt } }"""
ROTATE = """mutation($id: String!) { rotateApiClientSecret(input: { clientId: $id }) {
  apiClient { clientId } clientSecret errors { code } } }"""
REVOKE = """mutation($id: String!) { revokeApiClient(input: { clientId: $id }) {
  apiClient { clientId revokedAt } clientSecret errors { code } } }"""
VET = """mutation($id: ID!) { vetPartner(input: { organisationId: $id }) {
  partner { vetting } errors { code } } }"""
ME = "{ me { organisation { slug vetting } scopes } }"
PRODUCTS = "{ products(first: 100) { edges { node { id } } } }"
AUDIT = """query($id: ID!) { auditEvents(entityId: $id) { edges { node { action data } } } }"""


async def _token(api: httpx.AsyncClient, client_id: str, secret: str) -> httpx.Response:
    return await api.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
    )


async def _org_id(api: httpx.AsyncClient, curator: str, slug: str) -> str:
    body = await gql(api, curator, ORGS, {"first": 100})
    found = [e["node"]["id"] for e in body["data"]["organisations"]["edges"]]
    slugs = [e["node"]["slug"] for e in body["data"]["organisations"]["edges"]]
    return found[slugs.index(slug)]


async def _onboard_partner(api: httpx.AsyncClient, curator: str, slug: str) -> dict[str, Any]:
    org_input = {"kind": "PARTNER", "slug": slug, "name": "Agencja Uzbrojenia", "country": "PL"}
    created = (await gql(api, curator, CREATE_ORG, {"input": org_input}))["data"]
    assert created["createOrganisation"]["errors"] == []
    return dict(created["createOrganisation"]["organisation"])


async def _issue(api: httpx.AsyncClient, token: str, org_id: str, **more: Any) -> dict[str, Any]:
    variables = {"input": {"organisationId": org_id, "name": "procurement system", **more}}
    return dict((await gql(api, token, CREATE_CLIENT, variables))["data"]["createApiClient"])


async def _product_ids(api: httpx.AsyncClient, token: str) -> set[str]:
    body = await gql(api, token, PRODUCTS)
    return {edge["node"]["id"] for edge in body["data"]["products"]["edges"]}


async def test_curator_onboards_a_partner_agency_from_pending_to_its_catalogue(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    curator = await token_for("demo-curator")
    org = await _onboard_partner(api, curator, "agencja-uzbrojenia")
    assert (org["kind"], org["country"], org["vetting"]) == ("PARTNER", "PL", "PENDING")

    issued = await _issue(api, curator, org["id"], scopes=["catalog:read", "quotes:read"])
    assert issued["errors"] == [] and issued["clientSecret"]
    client = issued["apiClient"]
    assert client["scopes"] == ["catalog:read", "quotes:read"] and client["revokedAt"] is None
    response = await _token(api, client["clientId"], issued["clientSecret"])
    assert response.status_code == 200, response.text
    partner = response.json()["access_token"]

    # The token works, but a partner that is not vetted reads nothing but `me`.
    me = (await gql(api, partner, ME))["data"]["me"]
    assert me["organisation"] == {"slug": "agencja-uzbrojenia", "vetting": "PENDING"}
    refused = await gql(api, partner, PRODUCTS, expect_errors=True)
    assert error_codes(refused) == ["FORBIDDEN"] and refused["data"] is None

    vetted = (await gql(api, curator, VET, {"id": org["id"]}))["data"]["vetPartner"]
    assert vetted == {"partner": {"vetting": "VETTED"}, "errors": []}
    seen = await _product_ids(api, partner)
    assert seen and seen == await _product_ids(api, await token_for("demo-partner-PL"))

    history = (await gql(api, curator, AUDIT, {"id": org["id"]}))["data"]["auditEvents"]
    actions = [edge["node"]["action"] for edge in history["edges"]]
    assert actions == ["organisation.created", "partner.vetting_changed"]


async def test_organisation_rules_listing_and_renaming(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    curator = await token_for("demo-curator")
    await _onboard_partner(api, curator, "agencja-uzbrojenia")
    cases = [
        ({"kind": "PARTNER", "slug": "agencja-uzbrojenia"}, ("slug", "CONFLICT")),
        ({"kind": "PARTNER", "slug": "demo-partner-pl"}, ("slug", "CONFLICT")),
        ({"kind": "PARTNER", "slug": "Bad Slug"}, ("slug", "INVALID")),
        ({"kind": "PARTNER", "slug": "trailing-"}, ("slug", "INVALID")),
        ({"kind": "MANUFACTURER", "slug": "drone-works", "country": "DE"}, ("country", "INVALID")),
        ({"kind": "PARTNER", "slug": "nowhere", "country": "XX"}, ("country", "UNKNOWN_COUNTRY")),
        ({"kind": "PARTNER", "slug": "moscow-buyers", "country": "RU"}, ("country", "EMBARGOED")),
    ]
    for given, expected in cases:
        org_input = {"name": "Someone", "country": "PL", **given}
        body = (await gql(api, curator, CREATE_ORG, {"input": org_input}))["data"]
        payload = body["createOrganisation"]
        assert payload["organisation"] is None, given
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [expected], given

    maker_input = {"kind": "MANUFACTURER", "slug": "drone-works", "name": "DW", "country": "UA"}
    maker = (await gql(api, curator, CREATE_ORG, {"input": maker_input}))["data"]
    assert maker["createOrganisation"]["organisation"]["vetting"] == "VETTED"

    pending = (await gql(api, curator, ORGS, {"kind": "PARTNER", "vetting": "PENDING"}))["data"]
    slugs = [e["node"]["slug"] for e in pending["organisations"]["edges"]]
    assert "agencja-uzbrojenia" in slugs and "demo-partner-PL" not in slugs
    first = (await gql(api, curator, ORGS, {"first": 2}))["data"]["organisations"]
    assert len(first["edges"]) == 2 and first["pageInfo"]["hasNextPage"]
    rest = await gql(api, curator, ORGS, {"first": 100, "after": first["pageInfo"]["endCursor"]})
    assert len(rest["data"]["organisations"]["edges"]) == first["totalCount"] - 2

    org_id = await _org_id(api, curator, "drone-works")
    renamed = await gql(
        api, curator, UPDATE_ORG, {"input": {"organisationId": org_id, "name": "D"}}
    )
    payload = renamed["data"]["updateOrganisation"]
    assert payload == {
        "organisation": {"id": org_id, "name": "D", "slug": "drone-works"},
        "errors": [],
    }


async def test_partners_administer_only_their_own_clients(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    curator = await token_for("demo-curator")
    own_id = await _org_id(api, curator, "demo-partner-PL")
    other_id = await _org_id(api, curator, "demo-partner-DE")
    partner = await token_for("demo-partner-PL")
    maker = await token_for("demo-manufacturer-1")

    org_input = {"kind": "PARTNER", "slug": "shadow-agency", "name": "S", "country": "PL"}
    refused = await gql(api, partner, CREATE_ORG, {"input": org_input}, expect_errors=True)
    assert error_codes(refused) == ["FORBIDDEN"]
    for token in (partner, maker):
        other = await _issue(api, token, other_id)
        assert other["clientSecret"] is None and other["apiClient"] is None
        assert [e["code"] for e in other["errors"]] == ["FORBIDDEN"]
        listing = await gql(api, token, CLIENTS, {"org": other_id}, expect_errors=True)
        assert error_codes(listing) == ["FORBIDDEN"]

    beyond = await _issue(api, partner, own_id, scopes=["catalog:read", "catalog:curate"])
    assert [(e["field"], e["code"]) for e in beyond["errors"]] == [("scopes", "INVALID")]
    mine = await _issue(api, partner, own_id, scopes=["catalog:read"])
    assert mine["errors"] == [] and mine["clientSecret"]
    listed = (await gql(api, partner, CLIENTS, {"org": own_id}))["data"]["apiClients"]
    assert mine["apiClient"]["clientId"] in [c["clientId"] for c in listed]
    # A client with `catalog:read` only may not administer clients.
    narrow = await token_for("demo-partner-PL", scopes=["catalog:read"])
    narrowed = await gql(api, narrow, CLIENTS, {"org": own_id}, expect_errors=True)
    assert error_codes(narrowed) == ["FORBIDDEN"]


async def test_a_secret_is_shown_only_by_the_answers_that_create_or_rotate_it(
    api: httpx.AsyncClient,
    db: Database,
    token_for: TokenFor,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    curator = await token_for("demo-curator")
    org = await _onboard_partner(api, curator, "agencja-uzbrojenia")
    issued = await _issue(api, curator, org["id"])
    secret, client_id = issued["clientSecret"], issued["apiClient"]["clientId"]
    rotated = (await gql(api, curator, ROTATE, {"id": client_id}))["data"]
    new_secret = rotated["rotateApiClientSecret"]["clientSecret"]
    assert new_secret and new_secret != secret

    answers = [
        await gql(api, curator, CLIENTS, {"org": org["id"]}),
        await gql(api, curator, ORGS, {"first": 100}),
        await gql(api, curator, AUDIT, {"id": org["id"]}),
        await gql(api, curator, REVOKE, {"id": client_id}),
    ]
    assert answers[-1]["data"]["revokeApiClient"]["clientSecret"] is None
    async with db.read() as session:
        events = list(await session.scalars(select(AuditEvent)))
        stored = await session.get(OAuthClient, client_id)
    assert stored is not None and new_secret not in stored.secret_hash
    created = [e for e in events if e.entity_id == client_id]
    assert [e.action for e in created] == [
        "oauth_client.created",
        "oauth_client.secret_rotated",
        "oauth_client.revoked",
    ]
    for text in [str(answers), str([(e.data, e.action) for e in events]), caplog.text]:
        assert secret not in text and new_secret not in text
    assert caplog.records  # the requests above were logged, without the secrets


async def test_revoking_a_client_refuses_its_live_token_at_once(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    curator = await token_for("demo-curator")
    org_id = await _org_id(api, curator, "demo-partner-PL")
    issued = await _issue(api, curator, org_id)
    client_id = issued["apiClient"]["clientId"]
    token = (await _token(api, client_id, issued["clientSecret"])).json()["access_token"]
    assert (await gql(api, token, ME))["data"]["me"]["organisation"]["slug"] == "demo-partner-PL"

    revoked = (await gql(api, curator, REVOKE, {"id": client_id}))["data"]["revokeApiClient"]
    assert revoked["errors"] == [] and revoked["apiClient"]["revokedAt"]
    response = await api.post(
        "/graphql", json={"query": ME}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert (await _token(api, client_id, issued["clientSecret"])).status_code == 401


async def test_rotation_invalidates_the_old_secret(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    partner = await token_for("demo-partner-PL")
    curator = await token_for("demo-curator")
    own_id = await _org_id(api, curator, "demo-partner-PL")
    issued = await _issue(api, partner, own_id)
    client_id, old = issued["apiClient"]["clientId"], issued["clientSecret"]
    assert (await _token(api, client_id, old)).status_code == 200

    rotated = (await gql(api, partner, ROTATE, {"id": client_id}))["data"]
    new = rotated["rotateApiClientSecret"]["clientSecret"]
    assert (await _token(api, client_id, old)).status_code == 401
    assert (await _token(api, client_id, new)).status_code == 200

    other = await token_for("demo-partner-DE")
    stolen = (await gql(api, other, ROTATE, {"id": client_id}))["data"]
    assert stolen["rotateApiClientSecret"] == {
        "apiClient": None,
        "clientSecret": None,
        "errors": [{"code": "NOT_FOUND"}],
    }


MAKERS_ON_PAGE = """{ products(first: 100) { edges { node { id
  manufacturer { id name slug } } } } }"""
MAKER_OF = """query($id: ID!) { product(id: $id) { manufacturer { id name } } }"""


async def test_a_renamed_manufacturer_shows_its_new_name_on_the_next_read(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    """Manufacturers read with product rows are kept by their values between requests
    (schema/organisations/types.py `of_product_row`): a rename is other values."""
    curator, partner = await token_for("demo-curator"), await token_for("demo-partner-PL")

    async def makers() -> dict[str, tuple[str, str]]:
        edges = (await gql(api, partner, MAKERS_ON_PAGE))["data"]["products"]["edges"]
        return {
            e["node"]["id"]: (e["node"]["manufacturer"]["slug"], e["node"]["manufacturer"]["name"])
            for e in edges
        }

    before = await makers()
    product_id, (slug, name) = next(iter(before.items()))
    renamed = await gql(
        api,
        curator,
        UPDATE_ORG,
        {"input": {"organisationId": await _org_id(api, curator, slug), "name": name + " Ltd"}},
    )
    assert renamed["data"]["updateOrganisation"]["errors"] == []
    after = await makers()
    assert after[product_id] == (slug, name + " Ltd")
    assert {p: m for p, m in after.items() if m[0] != slug} == {
        p: m for p, m in before.items() if m[0] != slug
    }
    one = (await gql(api, partner, MAKER_OF, {"id": product_id}))["data"]["product"]
    assert one["manufacturer"]["name"] == name + " Ltd"
