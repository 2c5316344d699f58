"""Input that once reached the database or the encoder unchecked (lone surrogates, forged
cursors), introspection in the cost, the codes the metrics count, the headers of every
`/graphql` answer and who may read `/metrics`."""

import base64
import json
from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families
from pydantic import SecretStr

from api.app import create_app
from api.settings import Settings
from catalog.core.db import Database
from tests.rowcount import written_rows
from tests.tokens import bearer

TokenFor = Callable[..., Awaitable[str]]
SURROGATE = "dr\ud800one"


async def post(
    api: httpx.AsyncClient, headers: dict[str, str], query: str, variables: Any = None
) -> httpx.Response:
    """JSON with \\u escapes, the only way a lone surrogate can travel."""
    body = json.dumps({"query": query, "variables": variables})
    return await api.post(
        "/graphql", content=body, headers={**headers, "Content-Type": "application/json"}
    )


def codes(response: httpx.Response) -> set[str]:
    assert response.status_code == 200, response.text
    return {e["extensions"]["code"] for e in response.json()["errors"]}


def b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode()


# ---------------------------------------------------------------- lone surrogates

SEARCH = "query($q: String!) { search(query: $q) { totalCount edges { node { name } } } }"
TEXT = "query($t: String) { products(filter: {text: $t}) { totalCount } }"
PREFIX = "query($t: String) { products(filter: {controlEntryPrefix: $t}) { totalCount } }"
SEARCH_PREFIX = """query($t: String) {
  search(query: "drone", filter: {controlEntryPrefix: $t}) { totalCount }
}"""
CREATE = """mutation($name: String!) {
  createProduct(input: {name: $name, category: GROUND_DRONE, summary: "s", controlEntry: "ML6",
                        techTransfer: NONE, unitsAvailable: 1}) { product { id } errors { code } }
}"""


@pytest.mark.parametrize(
    ("caller", "query", "variables"),
    [
        pytest.param("demo-partner-PL", SEARCH, {"q": SURROGATE}, id="search-query"),
        pytest.param("demo-partner-PL", TEXT, {"t": SURROGATE}, id="filter-text"),
        pytest.param("demo-partner-PL", PREFIX, {"t": "ML\ud800"}, id="control-entry-prefix"),
        pytest.param("demo-partner-PL", SEARCH_PREFIX, {"t": "\udfff"}, id="search-prefix"),
        pytest.param("demo-manufacturer-1", CREATE, {"name": SURROGATE}, id="create-name"),
    ],
)
async def test_lone_surrogates_are_bad_user_input(
    api: httpx.AsyncClient,
    seeded: Database,
    token_for: TokenFor,
    caller: str,
    query: str,
    variables: dict[str, str],
) -> None:
    headers = bearer(await token_for(caller))
    before = await written_rows(seeded)
    response = await post(api, headers, query, variables)
    assert codes(response) == {"BAD_USER_INPUT"}, response.text
    assert "data" not in response.json()
    assert await written_rows(seeded) == before


async def test_a_surrogate_in_a_literal_or_a_nested_variable_is_refused(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    headers = bearer(await token_for("demo-partner-PL"))
    # In the document itself the lexer refuses it first: not a character a source may hold.
    literal = await post(api, headers, '{ products(filter: {text: "a\ud800"}) { totalCount } }')
    assert codes(literal) == {"GRAPHQL_PARSE_FAILED"}
    nested = "query($f: ProductFilter) { products(filter: $f) { totalCount } }"
    deep = await post(api, headers, nested, {"f": {"text": "ok", "controlEntryPrefix": "\ud83d"}})
    assert codes(deep) == {"BAD_USER_INPUT"}
    paired = await post(api, headers, TEXT, {"t": "drone \U0001f6f8"})  # a real pair is fine
    assert "errors" not in paired.json()


# ---------------------------------------------------------------- forged cursors

PAGED = {
    "products": ("demo-partner-PL", "query($a: String) { products(after: $a) { totalCount } }"),
    "quoteRequests": (
        "demo-partner-PL",
        "query($a: String) { quoteRequests(after: $a) { totalCount } }",
    ),
    "licensingCases": (
        "demo-licensing",
        "query($a: String) { licensingCases(after: $a) { totalCount } }",
    ),
}
FORGED_PAGE_CURSORS = {
    "deep-json": b64("[" * 5000),
    "huge-int": b64(json.dumps({"o": "units", "k": [10**30, "00000000000000000000000000000000"]})),
    "naive-time": b64(json.dumps({"o": "created", "k": ["2026-01-01T00:00:00", "0" * 32]})),
    "overflowing-time": b64(json.dumps({"o": "created", "k": ["0001-01-01T00:00:00+14:00", "0"]})),
    "surrogate-key": b64(json.dumps({"o": "name", "k": ["\ud800", "0" * 32]})),
    "not-an-object": b64("42"),
    "very-long": "A" * 100_000,
}


@pytest.mark.parametrize("listing", sorted(PAGED))
@pytest.mark.parametrize("cursor", sorted(FORGED_PAGE_CURSORS))
async def test_forged_page_cursors_are_bad_user_input(
    api: httpx.AsyncClient, token_for: TokenFor, listing: str, cursor: str
) -> None:
    caller, query = PAGED[listing]
    headers = bearer(await token_for(caller))
    response = await post(api, headers, query, {"a": FORGED_PAGE_CURSORS[cursor]})
    assert codes(response) == {"BAD_USER_INPUT"}, response.text


@pytest.mark.parametrize(
    "cursor",
    [
        "search:1e20",
        "search:100000000000000000000",
        "search:-1",
        "search:\uff11\uff12",
        "search: 7",
        "x",
    ],
)
async def test_forged_search_cursors_are_bad_user_input(
    api: httpx.AsyncClient, token_for: TokenFor, cursor: str
) -> None:
    headers = bearer(await token_for("demo-partner-PL"))
    query = 'query($a: String) { search(query: "drone", after: $a) { totalCount } }'
    response = await post(api, headers, query, {"a": b64(cursor)})
    assert codes(response) == {"BAD_USER_INPUT"}, response.text


async def test_a_genuine_search_cursor_still_pages(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    headers = bearer(await token_for("demo-partner-PL"))
    query = """query($a: String) { search(query: "drone", first: 2, after: $a) {
      edges { cursor node { id } } } }"""
    first = (await post(api, headers, query, {"a": None})).json()["data"]["search"]["edges"]
    after = first[-1]["cursor"]
    second = (await post(api, headers, query, {"a": after})).json()["data"]["search"]["edges"]
    assert {e["node"]["id"] for e in first}.isdisjoint({e["node"]["id"] for e in second})


async def test_a_forged_audit_cursor_is_bad_user_input(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    headers = bearer(await token_for("demo-curator"))
    products = await post(api, headers, "{ products(first: 1) { edges { node { id } } } }")
    product = products.json()["data"]["products"]["edges"][0]["node"]["id"]
    query = "query($e: ID!, $a: String) { auditEvents(entityId: $e, after: $a) { totalCount } }"
    for cursor in ("audit:100000000000000000000", "audit:-5", "audit:1e3"):
        response = await post(api, headers, query, {"e": product, "a": b64(cursor)})
        assert codes(response) == {"BAD_USER_INPUT"}, (cursor, response.text)


# ---------------------------------------------------------------- introspection costs


async def test_aliased_introspection_is_counted_in_the_cost(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    headers = bearer(await token_for("demo-partner-PL"))
    one = "__schema { types { name fields { name type { name } } } }"
    many = "{ " + " ".join(f"s{i}: {one}" for i in range(25)) + " }"
    refused = await post(api, headers, many)
    assert codes(refused) == {"LIMIT_EXCEEDED"}
    assert refused.json()["errors"][0]["extensions"]["limit"] == "cost"
    single = await post(api, headers, "{ " + one + " }")
    assert single.json()["data"]["__schema"]["types"]
    assert single.json()["extensions"]["cost"]["requested"] > 500


# ---------------------------------------------------------------- metrics and headers


async def scrape(api: httpx.AsyncClient) -> dict[str, float]:
    samples: dict[str, float] = {}
    for family in text_string_to_metric_families((await api.get("/metrics")).text):
        for sample in family.samples:
            if sample.name == "market_graphql_errors_total":
                samples[sample.labels["code"]] = sample.value
    return samples


async def test_metrics_count_the_codes_that_were_answered(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    headers = bearer(await token_for("demo-partner-PL"))
    coercion = await post(
        api, headers, "query($n: Int) { products(first: $n) { totalCount } }", {"n": "x"}
    )
    assert codes(coercion) == {"BAD_USER_INPUT"}
    malformed = await api.post(
        "/graphql", content=b"{", headers={**headers, "Content-Type": "application/json"}
    )
    assert malformed.status_code == 400  # refused by the transport, before any document
    assert malformed.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    await api.post("/graphql", json={"query": "{ me { subject } }"})  # no token
    counted = await scrape(api)
    assert counted.get("BAD_USER_INPUT") == 2
    assert counted.get("UNAUTHENTICATED") == 1
    assert "INTERNAL" not in counted


async def test_every_graphql_answer_says_nosniff_and_no_store(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    headers = bearer(await token_for("demo-partner-PL"))
    answers = [
        await post(api, headers, "{ me { subject } }"),
        await post(api, headers, "{ nope }"),
        await api.post(
            "/graphql", content=b"[", headers={**headers, "Content-Type": "application/json"}
        ),
        await api.get("/graphql", params={"query": "{ me { subject } }"}, headers=headers),
        await api.post("/graphql", json={"query": "{ me { subject } }"}),
    ]
    for answer in answers:
        assert answer.headers["x-content-type-options"] == "nosniff", answer.text
        assert answer.headers["cache-control"] == "no-store", answer.text


@pytest.mark.parametrize(
    ("env", "token", "sent", "status"),
    [
        ("production", None, None, 404),
        ("production", None, "anything", 404),
        ("production", "s3cret-metrics-token", None, 401),
        ("production", "s3cret-metrics-token", "wrong", 401),
        ("production", "s3cret-metrics-token", "s3cret-metrics-token", 200),
        ("dev", None, None, 200),
        ("test", "s3cret-metrics-token", None, 401),
    ],
)
async def test_who_may_read_metrics(
    settings: Settings, db: Database, env: str, token: str | None, sent: str | None, status: int
) -> None:
    secret = SecretStr(token) if token is not None else None
    app = create_app(
        settings.model_copy(update={"market_env": env, "metrics_token": secret}), db=db
    )
    headers = {"Authorization": f"Bearer {sent}"} if sent else {}
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        response = await client.get("/metrics", headers=headers)
    assert response.status_code == status, response.text
    if status == 200:
        assert "market_http_requests_total" in response.text
