"""The manufacturer → curator → partner journey, through GraphQL over HTTP with real tokens."""

from typing import Any

import httpx

from catalog.core.db import Database
from catalog.demo.seed import seed_demo
from tests.graphql import error_codes, gql

CREATE = """
mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { id name status } errors { field message code } }
}"""
STEP = """
mutation($id: ID!) {
  submitProduct(input: {productId: $id}) { product { status } errors { code message } }
}"""
PUBLISH = """
mutation($id: ID!) {
  publishProduct(input: {productId: $id}) { product { status } errors { code message } }
}"""
RELEASE = """
mutation($id: ID!, $countries: [String!]!) {
  releaseProduct(input: {productId: $id, countries: $countries}) {
    product { releases { country } } errors { field code message }
  }
}"""
REVOKE = """
mutation($id: ID!, $countries: [String!]!) {
  revokeRelease(input: {productId: $id, countries: $countries}) {
    product { releases { country } } errors { code }
  }
}"""
SEE = """
query($id: ID!, $text: String) {
  product(id: $id) { id name }
  node(id: $id) { id ... on Product { name } }
  products(first: 100, filter: {text: $text}) { totalCount edges { node { id } } }
  manufacturers { products(first: 100) { id } }
}"""

NEW_PRODUCT: dict[str, Any] = {
    "name": "Borsuk-7 Tracked Carrier",
    "category": "GROUND_DRONE",
    "summary": "Tracked logistics ground drone for frontline resupply under EW pressure.",
    "description": "Carries 350 kg over broken ground; mesh radio with fibre fallback.",
    "controlEntry": "ML6.a",
    "techTransfer": "NONE",
    "unitsAvailable": 40,
    "leadTimeDays": 60,
    "unitPriceEur": "185000.00",
    "specs": {"groundDrone": {"rangeKm": 25, "payloadKg": 350, "drive": "TRACKED"}},
    "combatRecord": {"firstDeployment": "2024-03-01", "roles": ["logistics resupply"]},
}


def _seen(body: dict[str, Any], product_id: str) -> dict[str, bool]:
    data = body["data"]
    return {
        "product": data["product"] is not None,
        "node": data["node"] is not None,
        "products": any(e["node"]["id"] == product_id for e in data["products"]["edges"]),
        "nested": any(p["id"] == product_id for m in data["manufacturers"] for p in m["products"]),
    }


async def _sees(api: httpx.AsyncClient, token: str, product_id: str) -> dict[str, bool]:
    return _seen(await gql(api, token, SEE, {"id": product_id, "text": "Borsuk"}), product_id)


async def test_listing_journey_and_who_sees_it(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    await seed_demo(db)
    maker = await token_for("demo-manufacturer-1")
    other_maker = await token_for("demo-manufacturer-2")
    curator = await token_for("demo-curator")
    pl = await token_for("demo-partner-PL")
    de = await token_for("demo-partner-DE")

    created = (await gql(api, maker, CREATE, {"input": NEW_PRODUCT}))["data"]["createProduct"]
    assert created["errors"] == [] and created["product"]["status"] == "DRAFT"
    product_id = created["product"]["id"]
    nobody = {"product": False, "node": False, "products": False, "nested": False}
    everywhere = {k: True for k in nobody}

    submitted = (await gql(api, maker, STEP, {"id": product_id}))["data"]["submitProduct"]
    assert submitted == {"product": {"status": "SUBMITTED"}, "errors": []}
    assert await _sees(api, pl, product_id) == nobody  # not yet published

    published = (await gql(api, curator, PUBLISH, {"id": product_id}))["data"]["publishProduct"]
    assert published["product"]["status"] == "PUBLISHED"
    assert await _sees(api, pl, product_id) == nobody  # published but released nowhere

    released = await gql(api, curator, RELEASE, {"id": product_id, "countries": ["PL", "dk"]})
    assert released["data"]["releaseProduct"]["product"]["releases"] == [
        {"country": "DK"},
        {"country": "PL"},
    ]
    assert await _sees(api, pl, product_id) == everywhere
    assert await _sees(api, maker, product_id) == everywhere
    assert await _sees(api, curator, product_id) == everywhere
    assert await _sees(api, de, product_id) == nobody
    assert await _sees(api, other_maker, product_id) == nobody

    await gql(api, curator, REVOKE, {"id": product_id, "countries": ["PL"]})
    assert await _sees(api, pl, product_id) == nobody  # revoked: hidden at once

    await gql(api, curator, RELEASE, {"id": product_id, "countries": ["PL"]})
    assert await _sees(api, pl, product_id) == everywhere
    suspend = """mutation($id: ID!) {
      suspendProduct(input: {productId: $id, reason: "end-use concern"}) {
        product { status reviewNote } errors { code } } }"""
    body = await gql(api, curator, suspend, {"id": product_id})
    suspended = body["data"]["suspendProduct"]
    assert suspended["product"] == {"status": "SUSPENDED", "reviewNote": "end-use concern"}
    assert await _sees(api, pl, product_id) == nobody


async def test_suspended_partner_and_anonymous_see_nothing(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    await seed_demo(db)
    suspended = await token_for("demo-partner-SK")
    body = await gql(
        api, suspended, "{ products(first: 5) { edges { node { id } } } }", expect_errors=True
    )
    assert error_codes(body) == ["FORBIDDEN"] and body["data"] is None
    me = await gql(api, suspended, "{ me { organisation { vetting } } }")
    assert me["data"]["me"]["organisation"]["vetting"] == "SUSPENDED"
    anonymous = await api.post("/graphql", json={"query": "{ products { edges { node { id } } } }"})
    assert anonymous.status_code == 401 and "data" not in anonymous.json()


async def test_partners_never_see_status_notes_or_releases(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    await seed_demo(db)
    pl = await token_for("demo-partner-PL")
    body = await gql(
        api,
        pl,
        "{ products(first: 1) { edges { node { name status reviewNote releases { country } } } } }",
        expect_errors=True,
    )
    node = body["data"]["products"]["edges"][0]["node"]
    assert node["name"] and node["status"] is None and node["releases"] is None
    assert set(error_codes(body)) == {"FORBIDDEN"} and len(body["errors"]) == 3


async def test_mutation_input_errors_write_nothing(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    await seed_demo(db)
    maker = await token_for("demo-manufacturer-1")
    curator = await token_for("demo-curator")
    bad = dict(NEW_PRODUCT, name="", unitsAvailable=-5, controlEntry="XX9")
    body = (await gql(api, maker, CREATE, {"input": bad}))["data"]["createProduct"]
    assert body["product"] is None
    assert {e["field"] for e in body["errors"]} >= {"name", "unitsAvailable"}
    listed = await gql(api, maker, '{ products(filter: {text: "Borsuk"}) { totalCount } }')
    assert listed["data"]["products"]["totalCount"] == 0

    any_product = await gql(api, curator, "{ products(first: 1) { edges { node { id } } } }")
    product_id = any_product["data"]["products"]["edges"][0]["node"]["id"]
    refused = await gql(api, curator, RELEASE, {"id": product_id, "countries": ["PL", "RU", "XX"]})
    errors = refused["data"]["releaseProduct"]["errors"]
    assert {e["code"] for e in errors} == {"UNKNOWN_COUNTRY"}  # codes are checked before embargo
    refused = await gql(api, curator, RELEASE, {"id": product_id, "countries": ["PL", "RU"]})
    assert [e["code"] for e in refused["data"]["releaseProduct"]["errors"]] == ["EMBARGOED"]
    after = await gql(
        api,
        curator,
        "query($id: ID!) { product(id: $id) { releases { country } } }",
        {"id": product_id},
    )
    assert "RU" not in {r["country"] for r in after["data"]["product"]["releases"]}


async def test_published_listing_changes_availability_and_price_and_proposes_the_rest(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    await seed_demo(db)
    maker = await token_for("demo-manufacturer-1")
    page = await gql(api, maker, "{ products(first: 50) { edges { node { id status } } } }")
    published = next(
        e["node"]["id"]
        for e in page["data"]["products"]["edges"]
        if e["node"]["status"] == "PUBLISHED"
    )
    update = """mutation($input: UpdateProductInput!) { updateProduct(input: $input)
      { product { unitsAvailable name pendingRevision { changes { field after } } }
        errors { field code } } }"""
    ok = await gql(api, maker, update, {"input": {"productId": published, "unitsAvailable": 7}})
    assert ok["data"]["updateProduct"]["product"]["unitsAvailable"] == 7
    proposed = await gql(api, maker, update, {"input": {"productId": published, "name": "Renamed"}})
    payload = proposed["data"]["updateProduct"]
    assert payload["errors"] == [] and payload["product"]["name"] != "Renamed"  # until approved
    assert payload["product"]["pendingRevision"] == {
        "changes": [{"field": "name", "after": "Renamed"}]
    }
    other = await token_for("demo-manufacturer-2")
    hidden = await gql(api, other, update, {"input": {"productId": published, "unitsAvailable": 1}})
    assert hidden["data"]["updateProduct"]["errors"][0]["code"] == "NOT_FOUND"


async def test_hidden_missing_and_wrong_type_ids_look_the_same(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    import uuid

    from schema.relay import to_global_id

    await seed_demo(db)
    curator = await token_for("demo-curator")
    de = await token_for("demo-partner-DE")
    everything = await gql(api, curator, "{ products(first: 100) { edges { node { id } } } }")
    visible_to_de = await gql(api, de, "{ products(first: 100) { edges { node { id } } } }")
    hidden = {e["node"]["id"] for e in everything["data"]["products"]["edges"]} - {
        e["node"]["id"] for e in visible_to_de["data"]["products"]["edges"]
    }
    manufacturers = await gql(api, de, "{ manufacturers { id } }")
    candidates = [
        sorted(hidden)[0],  # exists, hidden from DE
        to_global_id("Product", uuid.uuid4()),  # does not exist
        manufacturers["data"]["manufacturers"][0]["id"],  # another type's id
        "bm90LWEtdXVpZA",  # garbage
    ]
    query = "query($id: ID!) { product(id: $id) { id } node(id: $id) { ... on Product { id } } }"
    answers = [(await gql(api, de, query, {"id": c}))["data"] for c in candidates]
    assert answers[0] == answers[1] == {"product": None, "node": None}
    assert answers[2]["product"] is None and answers[3] == answers[1]
