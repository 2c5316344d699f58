"""Answers kept by the identities of the objects they were worked out from.

A document is parsed once per text and the same tree serves every request (schema/document.py),
so what depends only on the schema and that tree can be kept by their identities. They are not
used as dictionary keys themselves: graphql-core's AST nodes are frozen dataclasses whose hash
walks the whole tree (32 us for the benchmark's `product(id)` document). The objects are held
beside the answer, so no identity is reused while it is kept; the whole store is cleared when
it is full (like the parsed documents, a few hundred distinct texts).
"""

from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

Answer = TypeVar("Answer")


class KeptByIdentity(Generic[Answer]):
    def __init__(self, size: int) -> None:
        self.size = size
        self._kept: dict[tuple[tuple[int, ...], Hashable], tuple[tuple[object, ...], Answer]] = {}

    def get(
        self, objects: tuple[object, ...], extra: Hashable, make: Callable[[], Answer]
    ) -> Answer:
        """The answer for `objects` (by identity) and `extra` (by value), made once."""
        key = (tuple(map(id, objects)), extra)
        known = self._kept.get(key)
        if known is not None and all(a is b for a, b in zip(known[0], objects, strict=True)):
            return known[1]
        answer = make()
        if len(self._kept) >= self.size:
            self._kept.clear()
        self._kept[key] = (objects, answer)
        return answer
