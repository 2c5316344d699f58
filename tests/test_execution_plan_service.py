"""The service's own schema answers the same through compiled execution as through
graphql-core's, over HTTP with real tokens, for queries generated from the schema and sent by
each kind of organisation against the seeded catalogue (SQLite and PostgreSQL).

The reference answer comes from the same application with the compiled steps switched off:
`CompiledExecutionContext`'s entry points put back to graphql-core's own methods. Each query
is sent by every caller in turn, so later callers meet what compiled execution kept of the
document from earlier ones.
"""

import contextlib
import json
from collections.abc import Awaitable, Callable, Iterator
from pathlib import Path

import httpx
from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution import CompiledExecutionContext

SDL = (Path(__file__).resolve().parent.parent / "schema" / "schema.graphql").read_text()
CALLERS = ["demo-partner-PL", "demo-curator", "demo-licensing", "demo-manufacturer-1"]
QUERIES = 40
# Queries the benchmark and the front end send, beside the generated ones.
KNOWN = [
    """{ products(first: 5) { totalCount edges { cursor node { id name category controlEntry
       unitsAvailable unitPriceEur manufacturer { id name country }
       specs { __typename ... on GroundDroneSpecs { rangeKm drive }
               ... on NavalDroneSpecs { hull } ... on SoftwareSpecs { platforms } }
       combatRecord { roles firstDeployment } status releases { country } } }
       pageInfo { hasNextPage endCursor } } }""",
    "{ me { __typename ... on Partner { name country } } }",
]


def _text(values: st.SearchStrategy[str]) -> st.SearchStrategy[StringValueNode]:
    return values.map(lambda value: StringValueNode(value=value))


SCALARS = {
    "Date": _text(st.dates().map(str)),
    "DateTime": _text(st.datetimes().map(lambda d: d.isoformat() + "Z")),
    "Decimal": _text(st.decimals(min_value=0, max_value=10**6, places=2).map(str)),
    "JSON": _text(st.just("{}")),
    "Upload": _text(st.just("file")),
}


def generated_queries() -> list[str]:
    found: list[str] = []

    @settings(
        max_examples=QUERIES,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(query=queries(SDL, custom_scalars=SCALARS))
    def collect(query: str) -> None:
        found.append(query)

    collect()
    return found


@contextlib.contextmanager
def graphql_core_only() -> Iterator[None]:
    patched = ("execute_fields", "complete_value", "collect_subfields")
    # Some of them are defined on a base class of the compiled context.
    saved = {name: CompiledExecutionContext.__dict__.get(name) for name in patched}
    try:
        for name in patched:
            original = getattr(StrawberryGraphQLCoreExecutionContext, name)
            setattr(CompiledExecutionContext, name, original)
        yield
    finally:
        for name, method in saved.items():
            if method is None:
                delattr(CompiledExecutionContext, name)
            else:
                setattr(CompiledExecutionContext, name, method)


def comparable(response: httpx.Response) -> str:
    """Status and body as JSON text (key order, and 2 against 2.0, count), without what
    differs between any two requests."""
    body = response.json()
    body.pop("extensions", None)  # the cost budget left, which every request lowers
    for error in body.get("errors", []):
        (error.get("extensions") or {}).pop("requestId", None)
    errors = sorted(body.pop("errors", []), key=repr)
    return json.dumps({"status": response.status_code, "body": body, "errors": errors})


async def test_generated_queries_answer_the_same(
    api: httpx.AsyncClient, token_for: Callable[..., Awaitable[str]]
) -> None:
    tokens = {caller: await token_for(caller) for caller in CALLERS}
    compared = 0
    for query in [*KNOWN, *generated_queries()]:
        for caller, token in tokens.items():
            headers = {"Authorization": f"Bearer {token}"}
            with graphql_core_only():
                reference = await api.post("/graphql", json={"query": query}, headers=headers)
            compiled = await api.post("/graphql", json={"query": query}, headers=headers)
            assert comparable(compiled) == comparable(reference), (caller, query)
            compared += "data" in reference.json()
    assert compared >= len(CALLERS) * len(KNOWN)
