"""Refuses NUL characters anywhere in a request's strings (literals and variables).

No field of this API has a use for them, SQLite would store them and PostgreSQL refuses them
in text and jsonb, so they are stopped before any resolver runs, the same on both databases.
"""

from collections.abc import Mapping
from typing import Any

from graphql import DocumentNode, GraphQLError, StringValueNode, Visitor, visit

from schema.errors import ErrorCode

MESSAGE = "strings must not contain NUL characters"


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[StringValueNode] = []

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if "\x00" in node.value:
            self.found.append(node)


def _in_values(values: Any) -> bool:
    stack = [values]
    while stack:  # iterative: variables may nest as deep as JSON allows
        value = stack.pop()
        if isinstance(value, str) and "\x00" in value:
            return True
        if isinstance(value, Mapping):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


def nul_characters(
    document: DocumentNode, variables: Mapping[str, Any] | None
) -> list[GraphQLError]:
    literals = _Literals()
    visit(document, literals)
    errors = [
        GraphQLError(MESSAGE, node, extensions={"code": ErrorCode.BAD_USER_INPUT})
        for node in literals.found
    ]
    if _in_values(variables):
        errors.append(GraphQLError(MESSAGE, extensions={"code": ErrorCode.BAD_USER_INPUT}))
    return errors
