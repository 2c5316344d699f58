"""The compiled form of a selection: per field, how its value is read and how its type completes.

A field's step depends only on the schema, so it is compiled once per (type, field) and kept
with the schema; a selection set's plan, the list of (response key, field details, step), is
compiled once per execution (graphql-core collects each selection set once per execution and
hands the same grouped field set for every object of a list) and reused for every object.
"""

import builtins
import operator
import weakref
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from types import CoroutineType, GeneratorType
from typing import Any, cast

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
    Undefined,
)
from graphql.execution.collect_fields import FieldDetails
from strawberry.schema.schema_converter import GraphQLCoreConverter
from strawberry.types.base import StrawberryObjectDefinition
from strawberry.types.cast import get_strawberry_type_cast
from strawberry.types.field import StrawberryField

from schema.execution_leaves import LeafReader, leaf_reader
from schema.lazy_info import lazy_info_class

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
    # A leaf, or a list of leaves: completed without resolve info when its value is certain.
    leafy: bool = False
    # An abstract type's members by the Python class of the values that resolved to them, for
    # the classes whose member the class alone decides (`class_decides_member`).
    members: dict[builtins.type, GraphQLObjectType] = field(default_factory=dict, compare=False)


@dataclass(frozen=True, slots=True)
class FieldStep:
    field: GraphQLField
    shape: Shape
    # (source, graphql-core's resolve info) → the value: Strawberry's resolver function called
    # directly where nothing stands between (see `direct_resolver`), else the field's resolver.
    resolve: Callable[[Any, Any], Any]
    # The value without a resolver call: Strawberry's plain attribute fields, `__typename`.
    read: Callable[[Any], Any] | None
    read_name: str | None = None  # the attribute `read` reads, if that is what it does
    # Whether `resolve` needs graphql-core's resolve info (else it is given None).
    takes_info: bool = True
    # Whether `resolve` takes a builder of that info instead, built only if the resolver reads
    # its `Info` (Strawberry's resolver called directly: schema/lazy_info.py).
    info_later: bool = False

    @property
    def plain_leaf(self) -> bool:
        return self.read is not None and self.shape.kind is LEAF


Steps = list[tuple[str, list[FieldDetails], FieldStep | None]]


@dataclass(frozen=True, slots=True)
class Plan:
    steps: Steps  # every field in order, None where graphql-core's path runs it whole
    # When every field has a step: the generated read of the plain leaves
    # (schema/execution_leaves.py), and the other fields' steps, in order.
    leaves: LeafReader | None
    others: list[tuple[str, list[FieldDetails], FieldStep]]
    # Per response key of an object or abstract field: per class of the values it resolved
    # to, the object type, its collected fields and their plan (schema/execution.py `_link`).
    links: dict[str, dict[builtins.type, "Linked"]] = field(default_factory=dict, compare=False)


# (object type, grouped field set, its plan): how a value of a linked class completes.
Linked = tuple[GraphQLObjectType, Any, Plan]


# Per schema, per (type name, field name): the field's step, or None where graphql-core's own
# path runs the field (arguments, graphql-core's default resolver). Held weakly, so a schema
# that is dropped takes its entries along.
_STEPS: "weakref.WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], FieldStep | None]]"
_STEPS = weakref.WeakKeyDictionary()


def shape_of(declared: GraphQLOutputType) -> Shape:
    named = declared.of_type if isinstance(declared, GraphQLNonNull) else declared
    if isinstance(named, GraphQLList):
        item = shape_of(named.of_type)
        return Shape(declared, LIST, list_type=named, item=item, leafy=item.kind is LEAF)
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return Shape(declared, LEAF, serialize=named.serialize, leafy=True)
    if isinstance(named, GraphQLObjectType):
        return Shape(declared, OBJECT, object_type=named)
    if isinstance(named, GraphQLUnionType | GraphQLInterfaceType):
        return Shape(declared, ABSTRACT, abstract_type=named)
    raise TypeError(f"not an output type: {declared}")


def class_decides_member(value: Any, member: GraphQLObjectType) -> bool:
    """Whether every value of `value`'s class resolves to `member`, as `value` did: its class
    is the member's own plain Strawberry type (not generic, no `is_type_of` of its own) and it
    was not cast. Strawberry's union and interface resolution then answer from the class only
    (types/union.py, schema_converter.py `is_type_of`), in a fixed order of the possible
    types."""
    definition = getattr(type(value), "__strawberry_definition__", None)
    if not isinstance(definition, StrawberryObjectDefinition):
        return False
    return (
        definition.concrete_of is None
        and not definition.is_graphql_generic
        and definition.is_type_of is None
        and get_strawberry_type_cast(value) is None
        and definition is member.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    )


def attribute_read(field: GraphQLField) -> str | None:
    """The attribute whose read Strawberry's resolver for a plain field amounts to: no resolver
    of its own, no extension, no permission, no exception handler, the default `getattr`."""
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    resolve = field.resolve
    if not isinstance(definition, StrawberryField) or resolve is None:
        return None
    basic = getattr(resolve, "__name__", "") == "_get_basic_result" and definition.is_basic_field
    if not basic or definition.default_resolver is not getattr:
        return None
    return definition.python_name


def field_step(
    schema: GraphQLSchema, parent_type: GraphQLObjectType, name: str
) -> FieldStep | None:
    return _step(_steps_of(schema), schema, parent_type, name)


def _steps_of(schema: GraphQLSchema) -> dict[tuple[str, str], FieldStep | None]:
    known = _STEPS.get(schema)
    if known is None:
        known = _STEPS[schema] = {}
    return known


def _step(
    known: dict[tuple[str, str], FieldStep | None],
    schema: GraphQLSchema,
    parent_type: GraphQLObjectType,
    name: str,
) -> FieldStep | None:
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
    direct = direct_resolver(field)
    attribute = attribute_read(field)
    read: Callable[[Any], Any] | None = operator.attrgetter(attribute) if attribute else None
    takes_info = direct is None or _resolver_takes_info(field)
    info_later = direct is not None and takes_info
    resolve = direct or field.resolve
    return FieldStep(field, shape, resolve, read, attribute, takes_info, info_later)


def _resolver_takes_info(field: GraphQLField) -> bool:
    definition = field.extensions[GraphQLCoreConverter.DEFINITION_BACKREF]
    return definition.base_resolver.info_parameter is not None


def direct_resolver(field: GraphQLField) -> Callable[[Any, Any], Any] | None:
    """The resolver function of a field without arguments, extensions (permissions) or
    exception handlers, called as Strawberry calls it (the source as `self`, `root` or
    `parent`, Strawberry's `Info` where asked for) without the argument conversion and the
    extension chain it builds on every call. None where anything of that stands between.
    Called with the source and a builder of graphql-core's resolve info: the `Info` it is
    given builds that when first read (schema/lazy_info.py)."""
    definition = field.extensions.get(GraphQLCoreConverter.DEFINITION_BACKREF)
    if not isinstance(definition, StrawberryField) or field.resolve is None:
        return None
    resolver = definition.base_resolver
    if resolver is None or definition.extensions or resolver.arguments or field.args:
        return None
    closure = _closure_of(field.resolve)
    strawberry_info = closure.get("_strawberry_info_from_graphql")
    handlers = closure.get("field_exception_handlers")
    if handlers is None or len(handlers) or not callable(strawberry_info):
        return None
    function = cast(Callable[..., Any], resolver.wrapped_func)  # bound by Strawberry
    passes_self = resolver.self_parameter is not None
    source_names = [p.name for p in (resolver.root_parameter, resolver.parent_parameter) if p]
    info_name = resolver.info_parameter.name if resolver.info_parameter else None
    # The schema's `Info` class, as `strawberry_info` builds it.
    config = getattr(_closure_of(strawberry_info).get("self"), "config", None)
    info_class = getattr(config, "info_class", None)
    if info_name is not None and not isinstance(info_class, type):
        return None
    make_info = lazy_info_class(info_class) if info_name is not None else None

    def resolve(source: Any, build_info: Any) -> Any:
        keywords = dict.fromkeys(source_names, source)
        if make_info is not None:
            keywords[info_name] = make_info(build_info, definition)
        return function(source, **keywords) if passes_self else function(**keywords)

    return resolve


def _closure_of(function: Callable[..., Any]) -> dict[str, Any]:
    """The variables a Strawberry resolver closes over ({} when it is something else)."""
    cells = getattr(function, "__closure__", None) or ()
    names = getattr(getattr(function, "__code__", None), "co_freevars", ())
    try:
        return {name: cell.cell_contents for name, cell in zip(names, cells, strict=True)}
    except ValueError:  # an empty cell
        return {}


def plan_selection(
    schema: GraphQLSchema,
    parent_type: GraphQLObjectType,
    grouped_field_set: Mapping[str, list[FieldDetails]],
) -> Plan:
    """Each response key with its field details and step; None where the field takes
    graphql-core's path whole: arguments or directives written on it, fragment variables."""
    known = _steps_of(schema)
    steps: Steps = []
    for key, details in grouped_field_set.items():
        step = None
        if all(_plain_selection(d) for d in details):
            step = _step(known, schema, parent_type, details[0].node.name.value)
        steps.append((key, details, step))
    if any(step is None for _, _, step in steps):
        return Plan(steps, None, [])
    selection = [(key, step if step and step.plain_leaf else None) for key, _, step in steps]
    if all(step is None for _, step in selection):
        return Plan(steps, None, [])
    leaves = leaf_reader(schema, parent_type.name, selection)
    others = [(k, d, s) for k, d, s in steps if s is not None and not s.plain_leaf]
    return Plan(steps, leaves, others)


def _plain_selection(details: FieldDetails) -> bool:
    node = details.node
    return not node.arguments and not node.directives and details.fragment_variable_values is None


def linkable_class(value: Any) -> bool:
    """Whether graphql-core's `is_awaitable` answers no for every instance of `value`'s class,
    so that the class alone may say how a value completes: a Strawberry type's own class, not
    a coroutine or generator, with no `__await__` and no attribute hook that could make one
    appear (graphql-core asks the value with `hasattr`; Python's `await` asks the class, and
    nothing here sets `__await__` on an instance)."""
    cls = type(value)
    return (
        isinstance(getattr(cls, "__strawberry_definition__", None), StrawberryObjectDefinition)
        and not issubclass(cls, CoroutineType | GeneratorType)
        and not hasattr(cls, "__await__")
        and not hasattr(cls, "__getattr__")
        and cls.__getattribute__ is object.__getattribute__
    )


def certain_leaves(shape: Shape, value: Any) -> Any:
    """A leaf's value serialised, or a list of leaves' items serialised, when the serialiser
    takes every one of them (no null, no refusal, no exception); else `Undefined`, and
    graphql-core's completion has the last word (it raises an exception given as a value)."""
    try:
        if shape.kind is LEAF:
            if value is None or isinstance(value, Exception):
                return Undefined
            serialized = shape.serialize(value)  # type: ignore[misc]
            return Undefined if serialized is None else serialized
        item = shape.item
        if item is None or item.kind is not LEAF or not isinstance(value, list | tuple):
            return Undefined
        serialize = item.serialize
        assert serialize is not None  # a leaf shape has its serialiser
        completed: list[Any] = []
        for one in value:
            if one is None or isinstance(one, Exception):
                return Undefined
            serialized = serialize(one)
            if serialized is None or serialized is Undefined:
                return Undefined
            completed.append(serialized)
        return completed
    except Exception:
        return Undefined
