"""Bad input of every kind gets a clear, coded error, and nothing is written."""

import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from catalog.core.db import Database
from tests.rowcount import written_rows
from tests.tokens import bearer

TokenFor = Callable[..., Awaitable[str]]

CREATE = """mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { id } errors { field code message } }
}"""
RELEASE = """mutation($id: ID!, $countries: [String!]!) {
  releaseProduct(input: {productId: $id, countries: $countries}) {
    product { id } errors { field code message }
  }
}"""
VALID: dict[str, Any] = {
    "name": "Bad-input probe",
    "category": "GROUND_DRONE",
    "summary": "Probe",
    "controlEntry": "ML6",
    "techTransfer": "NONE",
    "unitsAvailable": 3,
}


def create_body(**changes: Any) -> dict[str, Any]:
    return {"query": CREATE, "variables": {"input": {**VALID, **changes}}}


@pytest.fixture
async def maker(token_for: TokenFor) -> dict[str, str]:
    return bearer(await token_for("demo-manufacturer-1"))


async def refused(
    api: httpx.AsyncClient, db: Database, headers: dict[str, str], **request: Any
) -> httpx.Response:
    """Send the request and check that it wrote nothing."""
    before = await written_rows(db)
    response = await api.post("/graphql", headers=headers, **request)
    assert await written_rows(db) == before
    return response


def only_code(response: httpx.Response) -> str:
    errors = response.json()["errors"]
    assert len({e["extensions"]["code"] for e in errors}) == 1, errors
    assert all(e["message"] for e in errors)
    return str(errors[0]["extensions"]["code"])


def user_error_codes(response: httpx.Response) -> list[tuple[str, str]]:
    payload = next(iter(response.json()["data"].values()))
    assert payload["product"] is None
    return [(e["field"], e["code"]) for e in payload["errors"]]


async def the_probe_itself_is_accepted(
    api: httpx.AsyncClient, seeded: Database, maker: dict[str, str]
) -> None:
    before = await written_rows(seeded)
    response = await api.post("/graphql", json=create_body(), headers=maker)
    assert response.json()["data"]["createProduct"]["errors"] == []
    assert (await written_rows(seeded))["Product"] == before["Product"] + 1


MALFORMED_BODIES = [
    (b'{"query": "mutation { createProduct(', 400, "not valid JSON"),
    (b'{"query": "{ __typename }", "variables": NaN}', 400, "not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, 400, "not valid JSON"),
    (b'{"query": "\xff\xfe mutation"}', 400, "not valid UTF-8"),
    (b"", 400, "empty"),
    (b'"just a string"', 400, "JSON object"),
]


async def malformed_requests(
    api: httpx.AsyncClient, seeded: Database, maker: dict[str, str]
) -> None:
    headers = {**maker, "content-type": "application/json"}
    for content, status, fragment in MALFORMED_BODIES:
        response = await refused(api, seeded, headers, content=content)
        assert response.status_code == status, content[:40]
        assert only_code(response) == "BAD_USER_INPUT"
        assert fragment in response.json()["errors"][0]["message"]
    content = json.dumps(create_body()).encode()
    for content_type in [
        None,
        "text/plain",
        "application/x-www-form-urlencoded",
        "application/json; charset=latin-1",
    ]:
        headers = dict(maker) if content_type is None else {**maker, "content-type": content_type}
        response = await refused(api, seeded, headers, content=content)
        assert response.status_code == 415, content_type
        assert only_code(response) == "BAD_USER_INPUT"


async def one_operation_per_request_and_mutations_only_over_post(
    api: httpx.AsyncClient, seeded: Database, maker: dict[str, str]
) -> None:
    batch = await refused(api, seeded, maker, json=[create_body(), create_body(name="Two")])
    assert batch.status_code == 400
    assert "one operation per request" in batch.json()["errors"][0]["message"]

    before = await written_rows(seeded)
    params = {"query": CREATE, "variables": json.dumps({"input": VALID})}
    over_get = await api.get("/graphql", params=params, headers=maker)
    assert over_get.status_code == 405
    assert over_get.headers["allow"] == "POST"
    assert await written_rows(seeded) == before

    document = f"query Q {{ __typename }}\n{CREATE.replace('mutation(', 'mutation M(')}"
    body = {"query": document, "variables": {"input": VALID}}
    unnamed = await refused(api, seeded, maker, json=body)
    assert "data" not in unnamed.json()
    assert only_code(unnamed) == "BAD_USER_INPUT"
    assert "operationName" in unnamed.json()["errors"][0]["message"]
    named = await refused(api, seeded, maker, json={**body, "operationName": "Q"})
    assert named.json()["data"] == {"__typename": "Query"}
    assert "errors" not in named.json()


FIELD_LIMITS: list[tuple[dict[str, Any], list[tuple[str, str]]]] = [
    ({"name": "x" * 10_000}, [("name", "INVALID")]),
    ({"description": "d" * 200_000}, [("description", "INVALID")]),
    ({"summary": ""}, [("summary", "INVALID")]),
    ({"unitsAvailable": -1}, [("unitsAvailable", "INVALID")]),
    ({"leadTimeDays": -30}, [("leadTimeDays", "INVALID")]),
    ({"unitPriceEur": "-5"}, [("unitPriceEur", "INVALID")]),
    ({"unitPriceEur": "1e40"}, [("unitPriceEur", "INVALID")]),
    ({"unitPriceEur": "NaN"}, [("unitPriceEur", "INVALID")]),
    ({"unitPriceEur": "Infinity"}, [("unitPriceEur", "INVALID")]),
]


async def values_past_the_field_limits_are_user_errors(
    api: httpx.AsyncClient, seeded: Database, maker: dict[str, str]
) -> None:
    for changes, expected in FIELD_LIMITS:
        response = await refused(api, seeded, maker, json=create_body(**changes))
        assert response.status_code == 200
        assert set(user_error_codes(response)) == set(expected), changes


UNCOERCIBLE: list[dict[str, Any]] = [
    {"unitsAvailable": 2**31},
    {"unitsAvailable": -(2**31) - 1},
    {"unitsAvailable": 10**40},
    {"unitsAvailable": 1.5},
    {"unitsAvailable": "3"},
    {"category": "TANK"},
    {"category": "ground_drone"},
    {"techTransfer": None},
    {"specs": {"groundDrone": {"rangeKm": "far"}}},
    {"specs": {"groundDrone": {"rangeKm": 1, "colour": "green"}}},
    {"name": "nul\x00inside"},
    {"specs": {"groundDrone": {"drive": "\x00"}}},
]


async def values_that_do_not_coerce_are_bad_user_input(
    api: httpx.AsyncClient, seeded: Database, maker: dict[str, str]
) -> None:
    for changes in UNCOERCIBLE:
        response = await refused(api, seeded, maker, json=create_body(**changes))
        assert "data" not in response.json(), changes
        assert only_code(response) == "BAD_USER_INPUT"
        assert "Did you mean" not in response.text
    # 1e400 is valid JSON, and Python reads it as infinity
    body = json.dumps(create_body(specs={"groundDrone": {"rangeKm": 7}}))
    content = body.replace('"rangeKm": 7', '"rangeKm": 1e400').encode()
    headers = {**maker, "content-type": "application/json"}
    response = await refused(api, seeded, headers, content=content)
    assert only_code(response) == "BAD_USER_INPUT"


BAD_LITERALS = [
    ("unitsAvailable: 99999999999999999999", "GRAPHQL_VALIDATION_FAILED"),
    ("unitsAvailable: -2147483649", "GRAPHQL_VALIDATION_FAILED"),
    ("unitsAvailable: 3, category: TANK", "GRAPHQL_VALIDATION_FAILED"),
    ('unitsAvailable: 3, name: "nul\\u0000"', "BAD_USER_INPUT"),
]


async def bad_literals(api: httpx.AsyncClient, seeded: Database, maker: dict[str, str]) -> None:
    for literal, code in BAD_LITERALS:
        await _bad_literal(api, seeded, maker, literal, code)


async def _bad_literal(
    api: httpx.AsyncClient, db: Database, maker: dict[str, str], literal: str, code: str
) -> None:
    fields = 'name: "Literal", category: GROUND_DRONE, summary: "s", controlEntry: "ML6",'
    fields += " techTransfer: NONE, " + literal
    # a repeated field is a validation error of its own; keep the last of each
    fields = fields.replace("category: GROUND_DRONE, ", "") if "category:" in literal else fields
    fields = fields.replace('name: "Literal", ', "") if "name:" in literal else fields
    query = f"mutation {{ createProduct(input: {{{fields}}}) {{ errors {{ code }} }} }}"
    response = await refused(api, db, maker, json={"query": query})
    assert "data" not in response.json()
    assert only_code(response) == code, literal
    assert "Did you mean" not in response.text


INVALID_DOCUMENTS = [
    "mutation { ...A } fragment A on Mutation { ...B } fragment B on Mutation { ...A }",
    "mutation { createProduct(input: {}) { errors { code } } }",
    "mutation { createProduct { errors { code } } }",
    "mutation { createProduct(input: 5) { errors { code } } }",
    "mutation { deleteEverything }",
    "mutation { createProduct(input: {name: 1}) { __typename @skip(if: false) "
    + "@skip(if: false) " * 200
    + "} }",
]


async def invalid_documents_are_refused_before_execution(
    api: httpx.AsyncClient, seeded: Database, maker: dict[str, str]
) -> None:
    for document in INVALID_DOCUMENTS:
        response = await refused(api, seeded, maker, json={"query": document})
        assert "data" not in response.json()
        assert only_code(response) == "GRAPHQL_VALIDATION_FAILED", document[:60]


BAD_COUNTRIES = [
    (["XX"], 1),
    (["pl", "P", "POL", ""], 3),
    (["PL", "DE\x01"], 1),
    (["🇵🇱"], 1),
]


async def invalid_country_codes_release_nothing(
    api: httpx.AsyncClient, seeded: Database, curator: dict[str, str]
) -> None:
    listing = await api.post(
        "/graphql",
        json={"query": "{ products(first: 1) { edges { node { id } } } }"},
        headers=curator,
    )
    product_id = listing.json()["data"]["products"]["edges"][0]["node"]["id"]
    for countries, bad in BAD_COUNTRIES:
        body = {"query": RELEASE, "variables": {"id": product_id, "countries": countries}}
        response = await refused(api, seeded, curator, json=body)
        assert user_error_codes(response) == [("countries", "UNKNOWN_COUNTRY")] * bad, countries


async def test_malformed_requests_and_documents(
    api: httpx.AsyncClient, seeded: Database, maker: dict[str, str]
) -> None:
    await malformed_requests(api, seeded, maker)
    await one_operation_per_request_and_mutations_only_over_post(api, seeded, maker)
    await invalid_documents_are_refused_before_execution(api, seeded, maker)
    await bad_literals(api, seeded, maker)


async def test_bad_values(
    api: httpx.AsyncClient, seeded: Database, maker: dict[str, str], token_for: TokenFor
) -> None:
    await values_that_do_not_coerce_are_bad_user_input(api, seeded, maker)
    await values_past_the_field_limits_are_user_errors(api, seeded, maker)
    await invalid_country_codes_release_nothing(
        api, seeded, bearer(await token_for("demo-curator"))
    )
    await the_probe_itself_is_accepted(api, seeded, maker)  # last: it writes


UPDATE = """mutation($input: UpdateProductInput!) {
  updateProduct(input: $input) {
    product { category specs { __typename } } errors { field code message }
  }
}"""


async def test_specs_for_another_category_are_refused_not_converted(
    api: httpx.AsyncClient, seeded: Database, maker: dict[str, str]
) -> None:
    naval = {"navalDrone": {"rangeKm": 40, "maxSpeedKnots": 30}}
    response = await refused(api, seeded, maker, json=create_body(specs=naval))
    assert user_error_codes(response) == [("specs", "INVALID")]
    assert "NAVAL_DRONE" in response.text and "GROUND_DRONE" in response.text
    software = {"software": {"platforms": ["Linux"]}}
    response = await refused(api, seeded, maker, json=create_body(specs=software))
    assert user_error_codes(response) == [("specs", "INVALID")]

    ground = {"groundDrone": {"rangeKm": 40}}
    created = await api.post("/graphql", json=create_body(specs=ground), headers=maker)
    product_id = created.json()["data"]["createProduct"]["product"]["id"]
    for changes in (
        {"specs": naval},  # specs for another category than the product's
        {"category": "SOFTWARE", "specs": naval},  # and than the new one
        {"category": "NAVAL_DRONE"},  # the kept ground-drone specs would be read as naval
    ):
        body = {"query": UPDATE, "variables": {"input": {"productId": product_id, **changes}}}
        response = await refused(api, seeded, maker, json=body)
        payload = response.json()["data"]["updateProduct"]
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("specs", "INVALID")]
    moved = {"productId": product_id, "category": "NAVAL_DRONE", "specs": naval}
    response = await api.post(
        "/graphql", json={"query": UPDATE, "variables": {"input": moved}}, headers=maker
    )
    payload = response.json()["data"]["updateProduct"]
    assert (
        payload["errors"] == [] and payload["product"]["specs"]["__typename"] == "NavalDroneSpecs"
    )


def test_a_shared_document_is_refused_every_time() -> None:
    """Parsed documents are shared between requests; the search of their literals is kept with
    them, and must still refuse the second request as it did the first."""
    from schema.document import parse_document
    from schema.input_text import unstorable_characters

    document = parse_document('{ product(id: "nul\\u0000") { id } }', None)
    assert parse_document('{ product(id: "nul\\u0000") { id } }', None) is document
    first = unstorable_characters(document, None)
    second = unstorable_characters(document, None)
    assert len(first) == len(second) == 1
    assert unstorable_characters(parse_document("{ __typename }", None), None) == []
