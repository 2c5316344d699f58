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

from collections.abc import Callable
from typing import Any

from graphql import (
    GraphQLEnumType,
    GraphQLField,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    Undefined,
)
from graphql.execution.collect_fields import FieldDetails
from graphql.pyutils import Path
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

Serialize = Callable[[Any], Any]

# Per field definition: the leaf serialiser when the field is a default-resolved scalar or
# enum, else None. Field definitions live as long as the schema.
_PLAIN_LEAVES: dict[int, tuple[GraphQLField, Serialize | None]] = {}


def plain_leaf_serializer(field: GraphQLField) -> Serialize | None:
    cached = _PLAIN_LEAVES.get(id(field))
    if cached is not None and cached[0] is field:
        return cached[1]
    serializer = _serializer_of(field)
    _PLAIN_LEAVES[id(field)] = (field, serializer)
    return serializer


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
        field = self.schema.get_field(parent_type, field_details_list[0].node.name.value)
        serialize = plain_leaf_serializer(field) if field is not None else None
        if serialize is not None and self._without_middleware(field):
            try:
                value = field.resolve(source, None)  # type: ignore[misc]
                if value is not None:
                    serialized = serialize(value)
                    if serialized is not None and serialized is not Undefined:
                        return serialized
            except Exception:  # noqa: S110 - the full path below reports it properly
                pass
        return super().execute_field(
            parent_type, source, field_details_list, path, position_context
        )

    def _without_middleware(self, field: GraphQLField) -> bool:
        manager = self.middleware_manager
        return manager is None or manager.get_field_resolver(field.resolve) is field.resolve  # type: ignore[arg-type]
