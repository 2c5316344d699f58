"""Refuses characters that no text can hold anywhere in a request's strings (literals and
variables): NUL, and lone UTF-16 surrogates.

No field of this API has a use for them. SQLite would store a NUL and PostgreSQL refuses it in
text and jsonb; a lone surrogate (JSON allows `"\\ud800"`) is not a Unicode scalar value, so it
cannot be encoded as UTF-8 for the database, the search index or the response. Both are stopped
before any resolver runs, the same on every backend.
"""

import re
from collections.abc import Mapping
from typing import Any

from graphql import DocumentNode, GraphQLError, StringValueNode, Visitor, visit

from schema.errors import ErrorCode

MESSAGE = "strings must not contain NUL characters or unpaired surrogates"
UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


class _Literals(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.found: list[StringValueNode] = []

    def enter_string_value(self, node: StringValueNode, *_: Any) -> None:
        if UNSTORABLE.search(node.value):
            self.found.append(node)


def _in_values(values: Any) -> bool:
    stack = [values]
    while stack:  # iterative: variables may nest as deep as JSON allows
        value = stack.pop()
        if isinstance(value, str) and UNSTORABLE.search(value):
            return True
        if isinstance(value, Mapping):
            stack.extend(value.keys())
            stack.extend(value.values())
        elif isinstance(value, list):
            stack.extend(value)
    return False


# Parsed documents are shared between requests (schema/document.py), so a document's literals
# are searched once: by identity, with the document kept alive beside its answer so that its id
# is not reused; as many entries as the parse cache holds documents.
_FOUND_IN: dict[int, tuple[DocumentNode, list[StringValueNode]]] = {}
_REMEMBERED = 512


def _unstorable_literals(document: DocumentNode) -> list[StringValueNode]:
    known = _FOUND_IN.get(id(document))
    if known is not None and known[0] is document:
        return known[1]
    literals = _Literals()
    visit(document, literals)
    if len(_FOUND_IN) >= _REMEMBERED:
        _FOUND_IN.clear()
    _FOUND_IN[id(document)] = (document, literals.found)
    return literals.found


def unstorable_characters(
    document: DocumentNode, variables: Mapping[str, Any] | None
) -> list[GraphQLError]:
    errors = [
        GraphQLError(MESSAGE, node, extensions={"code": ErrorCode.BAD_USER_INPUT})
        for node in _unstorable_literals(document)
    ]
    if _in_values(variables):
        errors.append(GraphQLError(MESSAGE, extensions={"code": ErrorCode.BAD_USER_INPUT}))
    return errors
