"""Benchmark scenarios: each compares GraphQL variants against a plain Starlette baseline.

To add a scenario, build its variants from a `ScenarioContext` and
`register()` it; the harness runs every registered scenario it is asked for, checks that each
variant answers what the baseline answers, and reports every figure as a ratio to the baseline.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Extract = Callable[[dict[str, Any]], Any]
# Stands in a keyed variant's body for the per-request key (bench/wrk_keyed.lua).
KEY_PLACEHOLDER = "@@BENCH_KEY@@"
# The label of the floor variant (bench/raw_app.py): when a scenario has one, every variant is
# also reported as a ratio to it.
RAW = "raw"


@dataclass(frozen=True, slots=True)
class Variant:
    label: str
    path: str
    body: bytes
    # What of the response must equal the baseline's answer (None: the whole document).
    extract: Extract | None = None
    # The body holds KEY_PLACEHOLDER, replaced by a fresh key in every request, and the answer
    # echoes that key: requests that write need their own idempotency key each.
    keyed: bool = False

    def body_with_key(self, key: str) -> bytes:
        return self.body.replace(KEY_PLACEHOLDER.encode(), key.encode())


@dataclass(frozen=True, slots=True)
class ScenarioContext:
    """What the harness knows when it builds requests: the dataset's partner view."""

    products: int
    visible_product_id: str  # a global ID the benchmark partner may see
    # A visible product with units available for export, and the partner's own country.
    quotable_product_id: str = ""
    partner_country: str = "PL"
    database_url: str = ""
    # The search backend the server answers with: the raw floor exists for `sql` only.
    search_backend: str = "sql"


@dataclass(frozen=True, slots=True)
class WriteCheck:
    """For scenarios that write: count the rows a run wrote (e.g. {"quotes": n, "cases": m});
    after every run each count must equal the number of successful responses. `after_run`:
    what the database's own maintenance would have done by the next run (autovacuum is off on
    the PostgreSQL this benchmark runs on, so its statistics would stay those of the tables as
    loaded)."""

    count: Callable[[ScenarioContext], dict[str, int]]
    after_run: Callable[[ScenarioContext], None] | None = None

    def bound(
        self, ctx: ScenarioContext
    ) -> tuple[Callable[[], dict[str, int]], Callable[[], None] | None]:
        """`count` and `after_run` for one context."""
        after_run = self.after_run
        return (
            lambda: self.count(ctx),
            (lambda: after_run(ctx)) if after_run is not None else None,
        )


@dataclass(frozen=True, slots=True)
class Scenario:
    key: str
    title: str
    build: Callable[[ScenarioContext], list[Variant]]
    baseline: str = "baseline"
    # Run at every dataset size (a scaling curve) or only at the largest one.
    every_size: bool = False
    # The baseline must answer byte for byte the same (GraphQL's `extensions` set aside).
    same_bytes: bool = False
    # Concurrent connections for this scenario (None: the run's setting). One connection
    # measures latency without queueing behind other requests of the same run.
    connections: int | None = None
    # Measured against every search backend (sql, and Meilisearch when asked for).
    search: bool = False
    # The scopes the scenario's access token asks for.
    scopes: tuple[str, ...] = ("catalog:read",)
    writes: WriteCheck | None = None


SCENARIOS: dict[str, Scenario] = {}


def register(scenario: Scenario) -> Scenario:
    if scenario.key in SCENARIOS:
        raise ValueError(f"scenario {scenario.key!r} is registered twice")
    SCENARIOS[scenario.key] = scenario
    return scenario


def graphql_body(query: str, variables: dict[str, Any] | None = None) -> bytes:
    return json.dumps({"query": query, "variables": variables or {}}).encode()


# The baseline endpoints build exactly these fields, in this order (bench/baseline_app.py).
PRODUCT_FIELDS = """
fragment ProductFields on Product {
  id name category summary controlEntry techTransfer unitsAvailable leadTimeDays unitPriceEur
  manufacturer { id name country }
  specs {
    __typename
    ... on GroundDroneSpecs {
      rangeKm enduranceH payloadKg maxSpeedKmh massKg drive autonomyLevel comms
    }
    ... on NavalDroneSpecs {
      rangeKm enduranceH payloadKg maxSpeedKnots lengthM hull autonomyLevel comms
    }
    ... on SoftwareSpecs { deployment platforms autonomyLevel integrations licenceModel }
  }
}
"""
PRODUCTS_QUERY = (
    "query Products { products(first: 50) { edges { cursor node { ...ProductFields } } "
    "pageInfo { hasNextPage endCursor } } }" + PRODUCT_FIELDS
)
PRODUCT_QUERY = "query One($id: ID!) { product(id: $id) { ...ProductFields } }" + PRODUCT_FIELDS
NODE_QUERY = (
    "query Node($id: ID!) { node(id: $id) { ... on Product { ...ProductFields } } }"
    + PRODUCT_FIELDS
)


def _typename(ctx: ScenarioContext) -> list[Variant]:
    return [
        Variant("graphql", "/graphql", graphql_body("{ __typename }")),
        Variant("baseline", "/baseline/typename", b"{}"),
        Variant(RAW, "/raw/typename", b"{}"),
    ]


def _products(ctx: ScenarioContext) -> list[Variant]:
    return [
        Variant("graphql", "/graphql", graphql_body(PRODUCTS_QUERY)),
        Variant("baseline", "/baseline/products", b"{}"),
        Variant(RAW, "/raw/products", b"{}"),
    ]


def _lookup(ctx: ScenarioContext) -> list[Variant]:
    from schema.relay import parse_global_id

    parsed = parse_global_id(ctx.visible_product_id)
    assert parsed is not None
    variables = {"id": ctx.visible_product_id}
    return [
        Variant("product(id)", "/graphql", graphql_body(PRODUCT_QUERY, variables)),
        Variant(
            "node(id)",
            "/graphql",
            graphql_body(NODE_QUERY, variables),
            extract=lambda doc: {"data": {"product": doc["data"]["node"]}},
        ),
        Variant("baseline", f"/baseline/product/{parsed[1]}", b"{}"),
        Variant(RAW, f"/raw/product/{parsed[1]}", b"{}"),
    ]


TYPENAME = register(
    Scenario("typename", "1. { __typename } vs plain JSON", _typename, same_bytes=True)
)
PRODUCTS = register(
    Scenario(
        "products",
        "2/6. partner products(first: 50) with manufacturer and specs vs same SQL",
        _products,
        every_size=True,
    )
)
LOOKUP = register(Scenario("lookup", "3. product(id) and node(id) vs same SQL", _lookup))


# A typo ("kremin" for "kremlin", a few hundred matches at 100k) with every facet.
SEARCH_ARGS: dict[str, Any] = {
    "query": "kremin",
    "facets": ["category", "controlEntry", "manufacturer", "techTransfer"],
    "first": 20,
}
SEARCH_QUERY = (
    "query Search($query: String!, $facets: [String!], $first: Int) {"
    " search(query: $query, facets: $facets, first: $first) {"
    " totalCount edges { node { id } } facets { name values { value count } } } }"
)


def _search(ctx: ScenarioContext) -> list[Variant]:
    raw = [Variant(RAW, "/raw/search", json.dumps(SEARCH_ARGS).encode())]
    return [
        Variant(
            "graphql",
            "/graphql",
            graphql_body(SEARCH_QUERY, SEARCH_ARGS),
            extract=lambda doc: {"data": doc["data"]},  # without GraphQL's extensions
        ),
        Variant("baseline", "/baseline/search", json.dumps(SEARCH_ARGS).encode()),
    ] + (raw if ctx.search_backend == "sql" else [])


SEARCH = register(
    Scenario(
        "search",
        "4. search with a typo and facets vs the same backend call, one client",
        _search,
        every_size=True,
        connections=1,
        search=True,
    )
)


# Registered last: its module builds on the definitions above.
import bench.quote_scenario  # noqa: E402, F401
