"""Input objects built by the builders made once per type (schema/input_conversion.py) equal
what Strawberry's own conversion builds, for values generated for every input type of the
schema."""

import dataclasses
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInputType,
    GraphQLList,
    GraphQLNonNull,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from strawberry.types.arguments import convert_argument
from strawberry.types.base import StrawberryObjectDefinition

from schema.build import build_schema

SCHEMA = build_schema()
CONVERTER = SCHEMA.schema_converter
INPUTS = {
    name: graphql_type
    for name, graphql_type in CONVERTER.type_map.items()
    if isinstance(graphql_type.definition, StrawberryObjectDefinition)
    and graphql_type.definition.is_input
}

# What graphql-core may hand over for a scalar or an enum: the conversion passes it on as it
# is, so any value shows whether it was (an object compares equal only to itself).
_LEAVES = st.one_of(st.none(), st.integers(), st.text(max_size=5), st.builds(object))


def _values(graphql_type: GraphQLInputType, depth: int) -> st.SearchStrategy[Any]:
    nullable = not isinstance(graphql_type, GraphQLNonNull)
    inner = graphql_type.of_type if isinstance(graphql_type, GraphQLNonNull) else graphql_type
    if isinstance(inner, GraphQLList):
        found: st.SearchStrategy[Any] = st.lists(_values(inner.of_type, depth), max_size=3)
    elif isinstance(inner, GraphQLInputObjectType):
        found = _input_values(inner, depth + 1) if depth < 3 else st.just({})
    elif isinstance(inner, GraphQLEnumType):
        found = st.sampled_from([value.value for value in inner.values.values()]) | _LEAVES
    else:
        found = _LEAVES
    return st.none() | found if nullable else found


def _input_values(graphql_type: GraphQLInputObjectType, depth: int = 0) -> st.SearchStrategy[Any]:
    fields = {name: _values(field.type, depth) for name, field in graphql_type.fields.items()}
    return st.fixed_dictionaries({}, optional=fields)  # type: ignore[arg-type]


@contextmanager
def strawberrys_own_conversion() -> Iterator[None]:
    """Every input type converted by Strawberry field by field, as without the builders."""
    definitions = [graphql_type.definition for graphql_type in INPUTS.values()]
    kept = [definition.from_input for definition in definitions]
    for definition in definitions:
        definition.from_input = None
    try:
        yield
    finally:
        for definition, build in zip(definitions, kept, strict=True):
            definition.from_input = build


def _convert(name: str, value: dict[str, Any]) -> Any:
    origin = INPUTS[name].definition.origin
    return convert_argument(value, origin, CONVERTER.scalar_registry, SCHEMA.config)


def _lists_in(value: Any) -> Iterator[list[Any]]:
    if isinstance(value, list):
        yield value
        for item in value:
            yield from _lists_in(item)
    elif isinstance(value, dict):
        for item in value.values():
            yield from _lists_in(item)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        yield from _lists_in(vars(value))


def test_every_input_type_of_the_schema_has_its_builder() -> None:
    missing = [name for name, t in INPUTS.items() if t.definition.from_input is None]
    assert INPUTS and missing == []


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(data=st.data())
def test_builders_build_what_strawberry_builds(data: st.DataObject) -> None:
    name = data.draw(st.sampled_from(sorted(INPUTS)))
    value = data.draw(_input_values(CONVERTER.type_map[name].implementation))
    built = _convert(name, value)
    with strawberrys_own_conversion():
        expected = _convert(name, value)
    assert built == expected
    assert type(built) is type(expected)
    # Lists are copies, never the value's own (graphql-core shares default lists).
    given_lists = {id(found) for found in _lists_in(value)}
    assert not given_lists & {id(found) for found in _lists_in(built)}


def test_an_omitted_field_is_unset_or_none_as_strawberry_leaves_it() -> None:
    for name in sorted(INPUTS):
        built = _convert(name, {})
        with strawberrys_own_conversion():
            expected = _convert(name, {})
        assert vars(built) == vars(expected), name
