"""The compiled form of a selection: per field, how its value is read and how its type completes.

A field's step depends only on the schema, so it is compiled once per (type, field) and kept
with the schema; a selection set's plan, the list of (response key, field details, step), is
compiled once per execution (graphql-core collects each selection set once per execution and
hands the same grouped field set for every object of a list) and reused for every object.
"""

import operator
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from graphql import (
    GraphQLAbstractType,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLOutputType,
    GraphQLScalarType,
    GraphQLSchema,
    GraphQLUnionType,
)
from graphql.execution.collect_fields import FieldDetails
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.field import StrawberryField

# How a value of a type completes (compared by identity).
LEAF = "leaf"
OBJECT = "object"
ABSTRACT = "abstract"
LIST = "list"


@dataclass(frozen=True, slots=True)
class Shape:
    type: GraphQLOutputType  # as declared, with its non-null wrapper
    kind: str
    serialize: Callable[[Any], Any] | None = None
    object_type: GraphQLObjectType | None = None
    abstract_type: GraphQLAbstractType | None = None
    list_type: GraphQLList[Any] | None = None
    item: "Shape | None" = None


@dataclass(frozen=True, slots=True)
class FieldStep:
    field: GraphQLField
    shape: Shape
    resolve: Callable[..., Any]
    # The value without a resolver call: Strawberry's plain attribute fields, `__typename`.
    read: Callable[[Any], Any] | None


Plan = list[tuple[str, list[FieldDetails], FieldStep | None]]

# Per schema, per (type name, field name): the field's step, or None where graphql-core's own
# path runs the field (arguments, graphql-core's default resolver). Held weakly, so a schema
# that is dropped takes its entries along.
_STEPS: "weakref.WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], FieldStep | None]]"
_STEPS = weakref.WeakKeyDictionary()


def shape_of(declared: GraphQLOutputType) -> Shape:
    named = declared.of_type if isinstance(declared, GraphQLNonNull) else declared
    if isinstance(named, GraphQLList):
        return Shape(declared, LIST, list_type=named, item=shape_of(named.of_type))
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return Shape(declared, LEAF, serialize=named.serialize)
    if isinstance(named, GraphQLObjectType):
        return Shape(declared, OBJECT, object_type=named)
    if isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
        return Shape(declared, ABSTRACT, abstract_type=named)
    raise TypeError(f"not an output type: {declared}")


def attribute_reader(field: GraphQLField) -> Callable[[Any], Any] | None:
    """The attribute read that Strawberry's resolver for a plain field amounts to: no resolver
    of its own, no extension, no permission, no exception handler, the default `getattr`."""
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    resolve = field.resolve
    if not isinstance(definition, StrawberryField) or resolve is None:
        return None
    basic = getattr(resolve, "__name__", "") == "_get_basic_result" and definition.is_basic_field
    if not basic or definition.default_resolver is not getattr:
        return None
    return operator.attrgetter(definition.python_name)


def field_step(
    schema: GraphQLSchema, parent_type: GraphQLObjectType, name: str
) -> FieldStep | None:
    known = _STEPS.setdefault(schema, {})
    key = (parent_type.name, name)
    if key not in known:
        known[key] = _compile_field(schema, parent_type, name)
    return known[key]


def _compile_field(
    schema: GraphQLSchema, parent_type: GraphQLObjectType, name: str
) -> FieldStep | None:
    field = schema.get_field(parent_type, name)
    if field is None or field.args or field.resolve is None:
        return None
    shape = shape_of(field.type)
    if name == "__typename":
        type_name = parent_type.name
        return FieldStep(field, shape, field.resolve, lambda _source: type_name)
    return FieldStep(field, shape, field.resolve, attribute_reader(field))


def plan_selection(
    schema: GraphQLSchema,
    parent_type: GraphQLObjectType,
    grouped_field_set: Mapping[str, list[FieldDetails]],
) -> Plan:
    """Each response key with its field details and step; None where the field takes
    graphql-core's path whole: arguments or directives written on it, fragment variables."""
    plan: Plan = []
    for key, details in grouped_field_set.items():
        step = None
        if all(_plain_selection(d) for d in details):
            step = field_step(schema, parent_type, details[0].node.name.value)
        plan.append((key, details, step))
    return plan


def _plain_selection(details: FieldDetails) -> bool:
    node = details.node
    return not node.arguments and not node.directives and details.fragment_variable_values is None
