"""A request's GraphQL document, parsed and measured once.

Clients send the same few documents over and over, so parsed documents are kept in one cache
keyed by their text (the tree is only read, never changed); parsing them again for every
request was a visible share of a small query's time. The HTTP pipeline (api/graphql/) prepares
a request's document before it charges the request's cost, and hands the result to execution
in the context (`Context.prepared`), so that execution neither parses nor measures it again.
"""

import functools
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from typing import Any

import orjson
from graphql import DocumentNode, GraphQLError, GraphQLSchema, parse
from strawberry.extensions import SchemaExtension
from strawberry.utils.operation import get_first_operation

from schema.limits import DocumentMeasure, measure_document

PARSED_DOCUMENTS = 512  # distinct query texts kept parsed


@functools.lru_cache(maxsize=PARSED_DOCUMENTS)
def parse_document(query: str, max_tokens: int | None) -> DocumentNode:
    """The parsed document; a GraphQLSyntaxError when it does not parse or has more than
    `max_tokens` tokens (then it is not even read in full). Failures are not cached."""
    return parse(query, max_tokens=max_tokens)


@dataclass(frozen=True, slots=True)
class PreparedDocument:
    """One request's document: parsed (or why not) and, when it parsed, measured against the
    request's variables."""

    query: str
    document: DocumentNode | None
    syntax_error: GraphQLError | None = None
    measure: DocumentMeasure | None = None

    @property
    def cost(self) -> int:
        """The static cost charged for the request (schema/limits.py); a document that does
        not parse costs one point: it is refused before anything runs."""
        return self.measure.cost if self.measure is not None else 1


# Measuring walks the whole document; its result depends on the document, the limits and
# the values of the few variables that give page sizes only, so requests that repeat those
# share it, whatever their other variables (a quote's idempotency key, a search text). Keyed
# by the schema's identity, with the schema kept beside the answers so that its id is not
# reused; within, by the values of the variables the first measure read.
@dataclass(slots=True)
class _Measures:
    schema: GraphQLSchema
    variables: frozenset[str]
    by_values: dict[bytes, DocumentMeasure]


_MEASURED: dict[tuple[int, str, int], _Measures] = {}


def _values_key(names: frozenset[str], variables: Mapping[str, Any] | None) -> bytes:
    """The values of `names` in `variables`, a missing one told apart from a null (TypeError
    for values that are not plain JSON)."""
    given = variables or {}
    return orjson.dumps([[name, name in given, given.get(name)] for name in sorted(names)])


def _measured(
    schema: GraphQLSchema,
    document: DocumentNode,
    query: str,
    variables: Mapping[str, Any] | None,
    page_size_max: int,
) -> DocumentMeasure:
    key = (id(schema), query, page_size_max)
    known = _MEASURED.get(key)
    if known is None or known.schema is not schema:
        measure = measure_document(schema, document, variables, page_size_max)
        if len(_MEASURED) >= PARSED_DOCUMENTS:
            _MEASURED.clear()
        known = _MEASURED[key] = _Measures(schema, measure.variables, {})
        _keep(known, variables, measure)
        return measure
    try:
        found = known.by_values.get(_values_key(known.variables, variables))
    except TypeError:  # variables that are not plain JSON: measured, not kept
        found = None
    if found is None:
        found = measure_document(schema, document, variables, page_size_max)
        _keep(known, variables, found)
    return found


def _keep(known: _Measures, variables: Mapping[str, Any] | None, measure: DocumentMeasure) -> None:
    try:
        values = _values_key(known.variables, variables)
    except TypeError:  # not plain JSON: not kept
        return
    if len(known.by_values) >= PARSED_DOCUMENTS:
        known.by_values.clear()
    known.by_values[values] = measure


def prepare_document(
    schema: GraphQLSchema,
    query: str,
    variables: Mapping[str, Any] | None,
    page_size_max: int,
    max_tokens: int | None,
) -> PreparedDocument:
    try:
        document = parse_document(query, max_tokens)
    except GraphQLError as error:
        return PreparedDocument(query, None, syntax_error=error)
    measure = _measured(schema, document, query, variables, page_size_max)
    return PreparedDocument(query, document, measure=measure)


def query_cost(
    schema: GraphQLSchema,
    query: str,
    variables: Mapping[str, Any] | None,
    page_size_max: int,
    max_tokens: int | None = None,
) -> int:
    """The static cost of a query text: one point per field, a connection's selection counted
    once per item its `first` asks for; the dearest operation of the document."""
    return prepare_document(schema, query, variables, page_size_max, max_tokens).cost


def operation_name(document: DocumentNode | None, asked: str | None) -> str | None:
    """The operation's name as Strawberry gives it: the one asked for, else the name of the
    document's first operation (None when it has none)."""
    if asked is not None or document is None:
        return asked
    first = get_first_operation(document)
    return first.name.value if first is not None and first.name is not None else None


class PreparedParsing(SchemaExtension):
    """The parse step of Strawberry's execution: the document the pipeline prepared for this
    request when the context carries one, else the cached parse (callers that execute the
    schema directly). A document that did not parse fails here, exactly as a parse in this step
    would. (A prepared document that parsed skips Strawberry's flow: schema/direct_execution.py.)"""

    def __init__(self, max_tokens: int) -> None:
        self.max_tokens = max_tokens

    def on_parse(self) -> Iterator[None]:
        execution = self.execution_context
        assert execution.query is not None  # Strawberry refuses a missing query before this
        prepared = getattr(execution.context, "prepared", None)
        if isinstance(prepared, PreparedDocument) and prepared.query == execution.query:
            if prepared.syntax_error is not None:
                raise prepared.syntax_error
            execution.graphql_document = prepared.document
        else:
            execution.graphql_document = parse_document(execution.query, self.max_tokens)
        yield
