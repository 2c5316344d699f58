"""Schema-driven fuzzing with schemathesis against a live server (uvicorn on 127.0.0.1).

The schema is loaded from the server itself by introspection, and documents are generated for
every query and mutation (`respondToQuote` included: the `Decimal` scalar names its
specification and the fuzzer is given values for it). Every document is sent by each kind of
organisation. Half of them have their `ID` arguments pointed at real objects of the seeded
catalogue (products, manufacturers and partners, a licensed quote and its case, routing rules),
so that mutations get past "not found" into the domain's own checks.

No response may be an HTTP 5xx, carry an `INTERNAL` error (non-null violations included, which
the service reports as INTERNAL) or take longer than 5 s. Generation is repeatable: a fixed
number of examples per operation (`FUZZ_EXAMPLES`, default 8), derandomized Hypothesis.
"""

import asyncio
import json
import os
import random
import time
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import schemathesis.graphql
from graphql import (
    ArgumentNode,
    FloatValueNode,
    GraphQLSchema,
    IntValueNode,
    ObjectFieldNode,
    StringValueNode,
    TypeInfo,
    TypeInfoVisitor,
    Visitor,
    get_named_type,
    parse,
    print_ast,
    visit,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import schema as market_schema
from catalog.core.db import Database
from schema.scalars import DECIMAL_SPECIFICATION
from tests.quote_graphql import DECIDE, request_vars, requested
from tests.quote_helpers import manufacturer_slug, principal_of, product_for
from tests.tokens import bearer

TokenFor = Callable[..., Awaitable[str]]
SDL = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"
EXAMPLES_PER_OPERATION = int(os.environ.get("FUZZ_EXAMPLES", "8"))
SLOWEST_ANSWER_SECONDS = 5.0
PARTNER, CURATOR, LICENSING = "demo-partner-PL", "demo-curator", "demo-licensing"


def _string(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[StringValueNode]:
    return strategy.map(lambda value: StringValueNode(value=value))


def _decimals() -> st.SearchStrategy[Any]:
    """Strings in the specification's syntax (NaN and infinities included), numbers, and text
    that is neither."""
    numbers = st.decimals(allow_nan=True, allow_infinity=True).map(str)
    prices = st.decimals(min_value=0, max_value=10**9, places=2).map(str)
    return (
        _string(numbers | prices | st.text(max_size=8))
        | st.integers().map(lambda n: IntValueNode(value=str(n)))
        | st.floats(allow_nan=False, allow_infinity=False).map(
            lambda f: FloatValueNode(value=repr(f))
        )
    )


def register_scalars() -> None:
    schemathesis.graphql.scalar("Date", _string(st.dates().map(str) | st.text(max_size=12)))
    schemathesis.graphql.scalar(
        "DateTime", _string(st.datetimes().map(lambda d: d.isoformat()) | st.text(max_size=12))
    )
    schemathesis.graphql.scalar("Decimal", _decimals())
    # A file only comes as a multipart part; inline values must be refused as bad input.
    schemathesis.graphql.scalar("Upload", _string(st.text(max_size=12)))


def examples(operation: Any) -> list[str]:
    found: list[str] = []

    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=operation.as_strategy())
    def collect(case: schemathesis.Case) -> None:
        found.append(str(case.body))

    collect()
    return found


def operations_of(loaded: Any) -> dict[str, Any]:
    """Every operation by label (`Query.products`, `Mutation.respondToQuote` …); a scalar
    without a strategy fails here."""
    register_scalars()
    return {(op := result.ok()).label: op for result in loaded.get_all_operations()}


@cache
def sdl_operations() -> dict[str, Any]:
    return operations_of(schemathesis.graphql.from_path(SDL))


def test_generation_is_repeatable_and_covers_every_operation() -> None:
    operations = sdl_operations()
    assert "Mutation.respondToQuote" in operations
    assert sum(label.startswith("Mutation.") for label in operations) >= 20
    generated = examples(operations["Mutation.respondToQuote"])
    assert generated == examples(operations["Mutation.respondToQuote"])
    assert generated and all("unitPrice" in document for document in generated)


# ---------------------------------------------------------------- real objects to aim at


async def gql(url: str, token: str, query: str, variables: Any = None) -> dict[str, Any]:
    async with httpx.AsyncClient(timeout=30) as client:
        answer = await client.post(
            f"{url}/graphql", json={"query": query, "variables": variables}, headers=bearer(token)
        )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "errors" not in body, body
    return dict(body["data"])


async def licensed_quote(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> tuple[dict[str, Any], str]:
    """A quote licensed by as many officers as its case needs, and its manufacturer's slug."""
    product = await product_for(db, await principal_of(db, PARTNER))
    quote = await requested(api, await token_for(PARTNER), request_vars(product.id))
    case = quote["licensingCase"]
    for _ in range(case["approvalsRequired"]):
        variables = {"input": {"caseId": case["id"], "decision": "APPROVE", "reason": "ok"}}
        officer = await token_for(LICENSING)
        decided = await api.post(
            "/graphql", json={"query": DECIDE, "variables": variables}, headers=bearer(officer)
        )
        assert decided.json()["data"]["decideCase"]["errors"] == [], decided.text
    return quote, await manufacturer_slug(db, product)


async def id_pools(url: str, tokens: dict[str, str], quote: dict[str, Any]) -> dict[str, list[str]]:
    curator, licensing = tokens[CURATOR], tokens[LICENSING]
    products = await gql(url, curator, "{ products(first: 20) { edges { node { id } } } }")
    makers = await gql(url, curator, "{ manufacturers(first: 5) { id } }")
    partners = await gql(url, curator, "{ partners(first: 5) { id } }")
    rules = await gql(url, licensing, "{ routingRules { id } }")
    pools = {
        "product": [e["node"]["id"] for e in products["products"]["edges"]],
        "quote": [quote["id"]],
        "case": [quote["licensingCase"]["id"]],
        "rule": [r["id"] for r in rules["routingRules"]][:10],
        "organisation": [o["id"] for o in makers["manufacturers"] + partners["partners"]],
    }
    pools["any"] = [i for ids in pools.values() for i in ids]
    return pools


def _pool_for(name: str, pools: dict[str, list[str]]) -> list[str]:
    lowered = name.lower()
    for key in ("product", "quote", "case", "rule"):
        if key in lowered:
            return pools[key]
    if any(word in lowered for word in ("organisation", "manufacturer", "partner")):
        return pools["organisation"]
    return pools["any"]


def aimed(
    document: str, graphql_schema: GraphQLSchema, pools: dict[str, list[str]], seed: int
) -> str:
    """The document with each `ID` literal replaced by a real ID of the kind its argument or
    input field names (a product for `productId` …)."""
    chooser = random.Random(seed)
    type_info = TypeInfo(graphql_schema)

    class Aim(Visitor):
        def _aim(self, parent: Any, ancestors: list[Any]) -> StringValueNode | None:
            input_type = type_info.get_input_type()
            if input_type is None or get_named_type(input_type).name != "ID":
                return None
            named = [
                a for a in [*ancestors, parent] if isinstance(a, ArgumentNode | ObjectFieldNode)
            ]
            pool = _pool_for(named[-1].name.value if named else "", pools)
            return StringValueNode(value=chooser.choice(pool))

        def enter_string_value(
            self, _node: Any, _key: Any, parent: Any, _path: Any, ancestors: Any
        ) -> Any:
            return self._aim(parent, ancestors)

        def enter_int_value(
            self, _node: Any, _key: Any, parent: Any, _path: Any, ancestors: Any
        ) -> Any:
            return self._aim(parent, ancestors)

    return print_ast(visit(parse(document), TypeInfoVisitor(type_info, Aim())))


# ---------------------------------------------------------------- the fuzz run


def problems(document: str, answer: httpx.Response, seconds: float) -> list[str]:
    found = []
    if answer.status_code >= 500:
        found.append(f"HTTP {answer.status_code}")
    if seconds > SLOWEST_ANSWER_SECONDS:
        found.append(f"answered after {seconds:.1f} s")
    if answer.status_code < 500:
        body = json.loads(answer.text)
        if "data" not in body and "errors" not in body:
            found.append("neither data nor errors")
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
        if None in codes or "INTERNAL" in codes or "Cannot return null" in answer.text:
            found.append(f"errors {codes}")
    return [f"{problem}: {document[:300]} -> {answer.text[:300]}" for problem in found]


async def test_fuzzed_documents_never_fail_inside_a_live_server(
    live_url: str, api: httpx.AsyncClient, seeded: Database, token_for: TokenFor
) -> None:
    quote, maker = await licensed_quote(api, seeded, token_for)
    callers = [PARTNER, maker, CURATOR, LICENSING]  # one of each kind
    tokens = {caller: await token_for(caller) for caller in callers}

    # The schema as the live server describes it: Decimal names its specification.
    described = await gql(
        live_url, tokens[CURATOR], '{ __type(name: "Decimal") { specifiedByURL } }'
    )
    assert described["__type"]["specifiedByURL"] == DECIMAL_SPECIFICATION
    loaded = await asyncio.to_thread(
        schemathesis.graphql.from_url,
        f"{live_url}/graphql",
        headers=bearer(tokens[CURATOR]),
        timeout=30,
    )
    operations = operations_of(loaded)
    assert operations.keys() == sdl_operations().keys()
    assert "Mutation.respondToQuote" in operations

    pools = await id_pools(live_url, tokens, quote)
    graphql_schema = market_schema.build_schema()._schema
    documents = []
    for label in sorted(operations):
        for index, document in enumerate(examples(operations[label])):
            if index % 2:
                document = aimed(document, graphql_schema, pools, seed=index)
            documents.append(document)

    failures: list[str] = []
    slowest = 0.0
    async with httpx.AsyncClient(base_url=live_url, timeout=30) as client:
        for document in documents:
            for caller in callers:
                started = time.perf_counter()
                answer = await client.post(
                    "/graphql", json={"query": document}, headers=bearer(tokens[caller])
                )
                seconds = time.perf_counter() - started
                slowest = max(slowest, seconds)
                failures += [f"{caller}: {p}" for p in problems(document, answer, seconds)]
    assert not failures, "\n".join(failures[:20])
    assert len(documents) >= len(operations)
    print(f"fuzz: {len(documents)} documents x {len(callers)} callers, slowest {slowest:.2f} s")
