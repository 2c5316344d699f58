"""Strawberry's `Info` whose graphql-core resolve info is built the first time it is read.

A resolver that asks for `info` but answers without it (a product's `manufacturer`, read with
the product's row, needs the request's loader only when it was not) still cost graphql-core's
resolve info and Strawberry's `Info` around it on every call: fifty of each per products page.
The compiled execution hands such resolvers this `Info` instead (schema/execution_plan.py
`direct_resolver`), built from a builder of the same resolve info the resolver would have
had: a resolver that reads anything of it gets exactly that, built then.
"""

import functools
from collections.abc import Callable
from typing import Any

from graphql import GraphQLResolveInfo
from strawberry.types.field import StrawberryField
from strawberry.types.info import Info

InfoBuilder = Callable[[], GraphQLResolveInfo]


@functools.cache
def lazy_info_class(info_class: type[Info[Any, Any]]) -> type[Info[Any, Any]]:
    """The schema's `Info` class (`StrawberryConfig.info_class`), its resolve info built when
    first read."""

    class LazyInfo(info_class):  # type: ignore[valid-type,misc]
        def __init__(self, build: InfoBuilder, field: StrawberryField) -> None:
            self._build = build
            self._field = field

        @property
        def _raw_info(self) -> GraphQLResolveInfo:
            built: GraphQLResolveInfo | None = self.__dict__.get("_built")
            if built is None:
                built = self.__dict__["_built"] = self._build()
            return built

    LazyInfo.__name__ = LazyInfo.__qualname__ = f"Lazy{info_class.__name__}"
    return LazyInfo
