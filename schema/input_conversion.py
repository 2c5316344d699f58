"""Input objects built from their GraphQL values by a builder made once per type.

Strawberry converts an input value through its general `convert_argument`: for every field of
every input on every request it converts the field's name, resolves the field's annotation and
walks its chain of type checks. A `requestQuote` input of ten fields spent about 4% of the
request there. Strawberry lets a type build itself from its input value instead (the
definition's `from_input`); `install_builders` gives each input type of the schema a builder
that has done that work once:

- a field of a scalar or enum type, nullable or not, takes its value as it is, as Strawberry's
  conversion does (graphql-core has coerced it already);
- a list of those is copied, as Strawberry copies it (graphql-core hands every request that
  omits the value the same default list);
- anything else (nested inputs, lists of them, Strawberry's `GlobalID`) goes through
  Strawberry's own conversion (`InputContext.convert`), which reaches nested types' builders.

Types that already build themselves, generic types and types with a `Maybe` field (Strawberry
validates nulls for those only when the type has no builder) keep Strawberry's path.
`tests/test_input_conversion.py` proves the builders equal to Strawberry's conversion on
values generated for every input type of the schema.
"""

from collections.abc import Callable, Mapping
from dataclasses import MISSING
from typing import TYPE_CHECKING, Any

from strawberry.relay.types import GlobalID
from strawberry.scalars import is_scalar
from strawberry.schema.name_converter import NameConverter
from strawberry.types.arguments import InputContext
from strawberry.types.base import (
    StrawberryList,
    StrawberryMaybe,
    StrawberryObjectDefinition,
    StrawberryOptional,
)
from strawberry.types.enum import StrawberryEnumDefinition
from strawberry.types.scalar import ScalarDefinition, ScalarWrapper
from strawberry.types.unset import UNSET

if TYPE_CHECKING:
    import strawberry

# How a field's value becomes its Python value.
AS_IS = 0
COPIED_LIST = 1
CONVERTED = 2

Builder = Callable[[type, Mapping[str, Any], InputContext], Any]
Registry = Mapping[object, ScalarWrapper | ScalarDefinition]


def _is_leaf(type_: Any, scalars: Registry) -> bool:
    """A scalar or an enum: Strawberry returns its value as graphql-core coerced it (its
    `_is_leaf_type`, with `GlobalID`, which it decodes, left to it)."""
    if type_ is GlobalID:
        return False
    if isinstance(type_, StrawberryEnumDefinition) or is_scalar(type_, scalars):
        return True
    return isinstance(getattr(type_, "__strawberry_definition__", None), StrawberryEnumDefinition)


def _way(type_: Any, scalars: Registry) -> int:
    inner = type_.of_type if isinstance(type_, StrawberryOptional) else type_
    if _is_leaf(inner, scalars):
        return AS_IS
    if isinstance(inner, StrawberryList):
        item = inner.of_type
        item = item.of_type if isinstance(item, StrawberryOptional) else item
        if _is_leaf(item, scalars):
            return COPIED_LIST
    return CONVERTED


def _holds_maybe(type_: Any) -> bool:
    while isinstance(type_, StrawberryOptional | StrawberryList):
        if isinstance(type_, StrawberryMaybe):
            return True
        type_ = type_.of_type
    return isinstance(type_, StrawberryMaybe)


def builder_for(
    definition: StrawberryObjectDefinition, names: NameConverter, scalars: Registry
) -> Builder | None:
    """The builder of an input type, or None where it keeps Strawberry's path."""
    if not definition.is_input or definition.from_input is not None:
        return None
    if definition.type_var_map or definition.is_graphql_generic:
        return None
    fields = []
    for field in definition.fields:
        type_ = field.resolve_type(type_definition=definition)
        if _holds_maybe(type_):
            return None
        fields.append((names.from_field(field), field.python_name, _way(type_, scalars), type_))
    # As Strawberry: a field without a default is None unless the value holds it.
    unset = {
        field.python_name: None
        for field in definition.fields
        if field.default_value is MISSING and field.default_factory is MISSING
    }

    def build(cls: type, value: Mapping[str, Any], context: InputContext) -> Any:
        given = dict(unset)
        for name, python_name, way, type_ in fields:
            if name in value:
                item = value[name]
                if way != AS_IS and item is not None:
                    if way == COPIED_LIST:
                        item = item if item is UNSET else list(item)
                    else:
                        item = context.convert(item, type_, name)
                given[python_name] = item
        return cls(**given)

    build.field_names = tuple(name for name, *_ in fields)  # type: ignore[attr-defined]
    return build


def _same_names(definition: StrawberryObjectDefinition, names: NameConverter) -> None:
    """A type's builder serves every schema it is in only if they name its fields alike (the
    service's schemas all do)."""
    made_with = getattr(definition.from_input, "field_names", None)
    if made_with is not None and made_with != tuple(map(names.from_field, definition.fields)):
        raise RuntimeError(f"{definition.name} is named otherwise in another schema")


def install_builders(schema: "strawberry.Schema") -> int:
    """Give every input type of `schema` that qualifies its builder; how many were given."""
    converter = schema.schema_converter
    names, scalars = schema.config.name_converter, converter.scalar_registry
    given = 0
    for graphql_type in converter.type_map.values():
        definition = graphql_type.definition
        if not isinstance(definition, StrawberryObjectDefinition):
            continue
        _same_names(definition, names)
        build = builder_for(definition, names, scalars)
        if build is not None:
            definition.from_input = build
            given += 1
    return given
