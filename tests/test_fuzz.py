"""Schema-driven fuzzing with schemathesis: documents generated from schema/schema.graphql for
every query and mutation, sent by each kind of organisation (the examples of each operation are
dealt out among the four kinds, so every kind tries every operation). No response may be a
server error, an INTERNAL error or a non-null violation (which the service reports as INTERNAL).

Generation is repeatable: a fixed number of examples per operation, derandomized Hypothesis.
"""

import json
from collections.abc import Awaitable, Callable
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import schemathesis.graphql
from graphql import StringValueNode
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.tokens import bearer

TokenFor = Callable[..., Awaitable[str]]
SDL = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"
EXAMPLES_PER_OPERATION = 4  # one per kind of organisation
CALLERS = ["demo-partner-PL", "demo-manufacturer-1", "demo-curator", "demo-licensing"]


def _string(strategy: st.SearchStrategy[str]) -> st.SearchStrategy[StringValueNode]:
    return strategy.map(lambda value: StringValueNode(value=value))


def _register_scalars() -> None:
    schemathesis.graphql.scalar("Date", _string(st.dates().map(str) | st.text(max_size=12)))
    schemathesis.graphql.scalar(
        "DateTime", _string(st.datetimes().map(lambda d: d.isoformat()) | st.text(max_size=12))
    )
    schemathesis.graphql.scalar(
        "Decimal",
        _string(st.decimals(allow_nan=True, allow_infinity=True).map(str) | st.text(max_size=8)),
    )


def _examples(operation: Any) -> list[str]:
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


@cache
def operations() -> tuple[Any, ...]:
    _register_scalars()
    schema = schemathesis.graphql.from_path(SDL)
    return tuple(result.ok() for result in schema.get_all_operations())


@cache
def documents() -> tuple[str, ...]:
    """The generated documents, the same on every run."""
    return tuple(document for operation in operations() for document in _examples(operation))


def test_generation_is_repeatable_and_covers_every_operation() -> None:
    generated = documents()
    assert len(generated) >= len(operations()) * 2 >= 60
    assert sum(d.lstrip().startswith("mutation") for d in generated) >= 40
    product_query = next(o for o in operations() if o.label == "Query.products")
    assert _examples(product_query) == _examples(product_query)


async def test_fuzzed_documents_never_fail_inside(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    tokens = [bearer(await token_for(caller)) for caller in CALLERS]
    for index, document in enumerate(documents()):
        headers = tokens[index % len(tokens)]
        response = await api.post("/graphql", json={"query": document}, headers=headers)
        assert response.status_code < 500, document
        text = response.text
        body = json.loads(text)
        assert "data" in body or "errors" in body, document
        codes = {e.get("extensions", {}).get("code") for e in body.get("errors", [])}
        assert None not in codes, (document, text)
        assert "INTERNAL" not in codes, (document, text)
        assert "Cannot return null" not in text, (document, text)
