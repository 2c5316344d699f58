"""Nothing a caller can ask tells "exists but hidden" from "does not exist".

For each caller, a battery of questions about one product is asked twice: first about a product
that does not exist, then (after a product the caller may not see has been added) about that
hidden product. With the identifiers masked, every answer must be byte for byte the same:
lookups by id, global ids of other types, nested lists, counts, search hits and facets, filters,
error messages of mutations and quote requests. Nothing may be written either time.
"""

import json
import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import httpx
import pytest

from catalog.core.db import Database
from catalog.core.enums import ProductStatus
from schema.relay import to_global_id
from tests.rowcount import written_rows
from tests.search_support import add_product
from tests.tokens import bearer

TokenFor = Callable[..., Awaitable[str]]
FACETS = ["category", "controlEntry", "manufacturer", "techTransfer"]


@dataclass(frozen=True)
class Probe:
    """How a product is named in questions: its uuid, global id and a unique name."""

    uuid: uuid.UUID
    name: str

    @property
    def gid(self) -> str:
        return to_global_id("Product", self.uuid)

    def mask(self, text: str) -> str:
        for value, label in [
            (self.gid, "<GID>"),
            (to_global_id("Manufacturer", self.uuid), "<MGID>"),
            (to_global_id("QuoteRequest", self.uuid), "<QGID>"),
            (to_global_id("LicensingCase", self.uuid), "<CGID>"),
            (str(self.uuid), "<UUID>"),
            (self.name, "<NAME>"),
            (self.name.lower(), "<name>"),
        ]:
            text = text.replace(value, label)
        return text


READS = [
    ("query($id: ID!) { product(id: $id) { id name } }", lambda p: {"id": p.gid}),
    ("query($id: ID!) { node(id: $id) { id ... on Product { name } } }", lambda p: {"id": p.gid}),
    (
        "query($id: ID!) { node(id: $id) { id } product(id: $id) { id } }",
        lambda p: {"id": to_global_id("Manufacturer", p.uuid)},
    ),
    (
        "query($id: ID!) { quoteRequest(id: $id) { id } licensingCase(id: $id) { id } }",
        lambda p: {"id": to_global_id("QuoteRequest", p.uuid)},
    ),
    (
        "query($t: String) { products(first: 100, filter: {text: $t}) {"
        " totalCount edges { cursor node { id name } } } }",
        lambda p: {"t": p.name},
    ),
    (
        "{ products(first: 100) { totalCount edges { node { id name } } } }",
        lambda p: {},
    ),
    (
        "{ manufacturers { id products(first: 100) { id name } } }",
        lambda p: {},
    ),
    (
        "query($q: String!, $f: [String!]) { search(query: $q, facets: $f, first: 100) {"
        " totalCount edges { node { id } highlights } facets { name values { value count } } } }",
        lambda p: {"q": p.name, "f": FACETS},
    ),
    (
        "query($q: String!, $f: [String!]) { search(query: $q, facets: $f, first: 100) {"
        " totalCount edges { node { id } } facets { name values { value count } } } }",
        lambda p: {"q": "rover", "f": FACETS},
    ),
    (
        "query($q: String!, $f: [String!]) { search(query: $q, facets: $f, first: 100) {"
        " totalCount facets { name values { value count } } } }",
        lambda p: {"q": p.name.split()[0][:-1], "f": FACETS},  # a typo of the unique word
    ),
]
REQUEST_QUOTE = (
    "mutation($id: ID!, $n: Int!, $to: String!) { requestQuote(input: {productId: $id,"
    ' quantity: $n, deliveryCountry: $to, endUser: "Armed Forces", endUse: "Evaluation",'
    ' idempotencyKey: "leak-probe"}) { quoteRequest { id } errors { field code message } } }'
)
# Quote validation must not say more about a hidden product than about a missing one:
# plausible, too large, zero, embargoed and unknown destinations.
QUOTE_VARIANTS = [(2, "PL"), (1_000_000, "PL"), (0, "PL"), (2, "BY"), (2, "XX")]
PRODUCT_MUTATIONS = [
    (
        "mutation($id: ID!) { updateProduct(input: {productId: $id, unitsAvailable: 5}) {"
        " product { id } errors { field code message } } }"
    ),
    "mutation($id: ID!) { submitProduct(input: {productId: $id}) { errors { code message } } }",
    "mutation($id: ID!) { withdrawProduct(input: {productId: $id}) { errors { code message } } }",
    (
        'mutation($id: ID!) { releaseProduct(input: {productId: $id, countries: ["PL"]}) {'
        " errors { field code message } } }"
    ),
]
CALLERS = {
    # who asks, the questions they may ask, and how the hidden product is hidden from them
    "partner": (
        "demo-partner-PL",
        [
            *READS,
            *[
                (REQUEST_QUOTE, lambda p, n=n, to=to: {"id": p.gid, "n": n, "to": to})
                for n, to in QUOTE_VARIANTS
            ],
        ],
        ("DE",),
    ),
    "manufacturer": (
        "demo-manufacturer-2",
        [*READS[:7], *[(m, lambda p: {"id": p.gid}) for m in PRODUCT_MUTATIONS]],
        ("PL",),
    ),
}


async def answers(
    api: httpx.AsyncClient, token: str, questions: list[Any], probe: Probe
) -> list[str]:
    masked = []
    for query, variables in questions:
        response = await api.post(
            "/graphql", json={"query": query, "variables": variables(probe)}, headers=bearer(token)
        )
        body = response.json()
        assert "INTERNAL" not in json.dumps(body), body
        # The caller's remaining rate-limit budget depends on its own earlier requests and the
        # clock, not on the product; the cost charged for the question is still compared.
        cost = body.get("extensions", {}).get("cost")
        if cost is not None:
            assert cost["requested"] >= 1
            cost["remaining"] = "<REMAINING>"
        masked.append(f"{response.status_code} {probe.mask(json.dumps(body, sort_keys=True))}")
    return masked


@pytest.mark.parametrize("caller", list(CALLERS))
async def test_hidden_answers_exactly_like_missing(
    api: httpx.AsyncClient, seeded: Database, token_for: TokenFor, caller: str
) -> None:
    slug, questions, countries = CALLERS[caller]
    token = await token_for(slug)
    missing = Probe(uuid.uuid4(), "Zhovtneva Sentinel Rover")
    before = await written_rows(seeded)
    about_missing = await answers(api, token, questions, missing)
    assert await written_rows(seeded) == before

    hidden_id = await add_product(
        seeded, "Kvitneva Sentinel Rover", countries=countries, status=ProductStatus.PUBLISHED
    )
    hidden = Probe(hidden_id, "Kvitneva Sentinel Rover")
    after_adding = await written_rows(seeded)
    about_hidden = await answers(api, token, questions, hidden)
    assert await written_rows(seeded) == after_adding

    for query, a, b in zip(questions, about_missing, about_hidden, strict=True):
        assert a == b, query[0]
    # the battery is not vacuous: the same questions do find a product the caller may see
    curator = await token_for("demo-curator")
    seen = await answers(api, curator, questions[:2], hidden)
    assert all("<NAME>" in answer for answer in seen)
