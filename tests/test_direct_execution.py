"""A document the HTTP pipeline prepared runs without Strawberry's per-request machinery
(schema/direct_execution.py), with the answer Strawberry's own flow gives: the same data, the
same errors in the same shape and order, the same refusals raised."""

from collections.abc import Iterator
from functools import partial
from typing import Any

import pytest
import strawberry
from strawberry.extensions import SchemaExtension
from strawberry.types import ExecutionResult
from strawberry.types.graphql import OperationType

from catalog.core.principal import Principal
from schema.build import build_schema
from schema.context import Context
from schema.document import prepare_document
from schema.error_handling import MarketSchema
from schema.limits import LimitedValidation, Limits

PRODUCTION = build_schema()  # introspection refused, as in production
assert isinstance(PRODUCTION, MarketSchema)
NOBODY = Principal("nobody", None, None, None, None, None, None, None)
QUERY_ONLY = {OperationType.QUERY}

# (query, variables, operation name, allowed operation types)
CASES: list[tuple[str, dict[str, Any] | None, str | None, set[OperationType] | None]] = [
    ("{ __typename }", None, None, None),
    ("query Named { __typename }", None, None, None),
    ("query A { __typename } query B { __typename }", None, "B", None),
    ("query A { __typename } query B { __typename }", None, None, None),  # unnamed choice
    ("query A { __typename }", None, "C", None),  # no such operation
    ("{ nothingHere }", None, None, None),  # the specification's rules
    ("{ __schema { types { name } } }", None, None, None),  # introspection refused
    ("{ products(first: 100000) { edges { cursor } } }", None, None, None),  # a page too long
    ("{ " + " ".join(f"a{i}: __typename" for i in range(31)) + " }", None, None, None),  # aliases
    (  # input text that cannot be stored
        "query S($q: String!) { search(query: $q) { totalCount } }",
        {"q": "nul\x00byte"},
        None,
        None,
    ),
    ("query Q($n: Int!) { products(first: $n) { edges { cursor } } }", {"n": "x"}, None, None),
    ("mutation { __typename }", None, None, QUERY_ONLY),  # refused for the HTTP method
    ("{ me { organisation { name } } }", None, None, None),  # a resolver's refusal
]


def _context(query: str, variables: dict[str, Any] | None, prepared: bool) -> Context:
    limits = Limits()
    document = prepare_document(
        PRODUCTION._schema, query, variables, limits.page_size_max, max_tokens=5000
    )
    return Context(
        request=None,  # type: ignore[arg-type]  # no case reads the request
        response=None,
        db=None,  # type: ignore[arg-type]  # nor the database
        principal=NOBODY,
        settings=None,
        request_id="r-1",
        prepared=document if prepared else None,
    )


async def _answer(
    case: tuple[str, dict[str, Any] | None, str | None, set[OperationType] | None],
    prepared: bool,
) -> Any:
    query, variables, name, allowed = case
    context = _context(query, variables, prepared)
    try:
        result = await PRODUCTION.execute(
            query,
            variable_values=variables,
            context_value=context,
            operation_name=name,
            allowed_operation_types=allowed,
        )
    except Exception as error:
        return ("raised", type(error).__name__, str(error))
    return _shape(result)


def _shape(result: ExecutionResult) -> Any:
    return (
        type(result).__name__,
        result.data,
        [error.formatted for error in result.errors or []],
        result.extensions,
    )


@pytest.mark.parametrize("case", CASES, ids=[c[0][:40] for c in CASES])
async def test_a_prepared_document_is_answered_as_strawberry_answers_it(
    case: tuple[str, dict[str, Any] | None, str | None, set[OperationType] | None],
) -> None:
    assert await _answer(case, prepared=True) == await _answer(case, prepared=False)


async def test_a_prepared_document_takes_no_strawberry_machinery(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    flows: list[str] = []
    strawberrys = strawberry.Schema.execute

    async def noted(self: strawberry.Schema, *args: Any, **kwargs: Any) -> Any:
        flows.append("strawberry")
        return await strawberrys(self, *args, **kwargs)

    monkeypatch.setattr(strawberry.Schema, "execute", noted)
    direct = await _answer(CASES[0], prepared=True)
    assert direct[1] == {"__typename": "Query"} and flows == []
    await _answer(CASES[0], prepared=False)
    assert flows == ["strawberry"]
    # A document that did not parse is Strawberry's to refuse, as before.
    broken = await _answer(("{ unclosed", None, None, None), prepared=True)
    assert broken[2][0]["extensions"]["code"] == "GRAPHQL_PARSE_FAILED"
    assert flows == ["strawberry", "strawberry"]


@strawberry.type
class _Toy:
    @strawberry.field
    def hello(self) -> str:
        return "hi"


async def test_a_schema_with_work_not_done_directly_keeps_strawberrys_flow() -> None:
    """An extension whose work the direct way does not do (here one that notes each
    operation) sends every execution through Strawberry, so nothing it adds is skipped."""
    operations: list[str] = []

    class Noting(SchemaExtension):
        def on_operation(self) -> Iterator[None]:
            operations.append("operation")
            yield

    validation = partial(LimitedValidation, Limits(), ())
    assert MarketSchema(query=_Toy, extensions=[validation]).executes_prepared
    schema = MarketSchema(query=_Toy, extensions=[validation, Noting])
    assert not schema.executes_prepared
    context = _context("{ hello }", None, prepared=True)
    context.prepared = prepare_document(schema._schema, "{ hello }", None, 100, 5000)
    result = await schema.execute("{ hello }", context_value=context)
    assert result.data == {"hello": "hi"} and operations == ["operation"]
