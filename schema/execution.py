"""Execution with a short path for plain scalar fields.

Most of a page of products is plain attributes: a name, a number, an enum. graphql-core treats
each of them like any other field: it builds a resolve-info object, calls the resolver, then
walks the completion chain (non-null wrapper, leaf check, serialisation). For the fields whose
resolver is Strawberry's default attribute read, none of that depends on the info object, so
this context reads the attribute and serialises it directly. Whenever that short path has
nothing certain to return (a null, a value the scalar refuses, an exception, middleware in
play), the field goes through graphql-core's own path, so errors and null handling stay
exactly as the specification describes them.
"""

import weakref
from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLSchema,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

Serialize = Callable[[Any], Any]

# Per schema, per (type, field): the leaf serialiser when the field is a default-resolved
# scalar or enum, else None. Held weakly, so a schema that is dropped takes its entries along.
_PLAIN_LEAVES: "weakref.WeakKeyDictionary[GraphQLSchema, dict[tuple[str, str], Serialize | None]]"
_PLAIN_LEAVES = weakref.WeakKeyDictionary()


def plain_leaf_serializer(
    schema: GraphQLSchema, parent_type: GraphQLObjectType, field_name: str, field: GraphQLField
) -> Serialize | None:
    known = _PLAIN_LEAVES.setdefault(schema, {})
    key = (parent_type.name, field_name)
    if key not in known:
        known[key] = _serializer_of(field)
    return known[key]


def _serializer_of(field: GraphQLField) -> Serialize | None:
    if field.resolve is None or not getattr(field.resolve, "_is_default", False):
        return None
    named = field.type.of_type if isinstance(field.type, GraphQLNonNull) else field.type
    if isinstance(named, GraphQLScalarType | GraphQLEnumType):
        return named.serialize
    return None


class PlainLeafExecutionContext(StrawberryGraphQLCoreExecutionContext):
    def execute_field(
        self,
        parent_type: GraphQLObjectType,
        source: Any,
        field_details_list: list[FieldDetails],
        path: Path,
        position_context: Any,
    ) -> Any:
        name = field_details_list[0].node.name.value
        field = self.schema.get_field(parent_type, name)
        serialize = plain_leaf_serializer(self.schema, parent_type, name, field) if field else None
        resolve = field.resolve if field is not None else None
        if serialize is not None and resolve is not None and self._without_middleware(resolve):
            try:
                value = resolve(source, None)
                if value is not None:
                    serialized = serialize(value)
                    if serialized is not None and serialized is not Undefined:
                        return serialized
            except Exception:  # noqa: S110 - the full path below reports it properly
                pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _without_middleware(self, resolve: Callable[..., Any]) -> bool:
        manager = self.middleware_manager
        return manager is None or manager.get_field_resolver(resolve) is resolve
