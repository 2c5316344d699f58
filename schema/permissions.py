"""Scope checks for resolvers. Partners that are not vetted may read `me` and nothing else."""

from strawberry.types import Info

from catalog.access import reads_beyond_me
from schema.context import Context
from schema.errors import ErrorCode, coded_error, forbidden


def require(info: Info[Context, None], scope: str) -> None:
    principal = info.context.principal
    if not reads_beyond_me(principal):
        raise coded_error("the organisation is not vetted", ErrorCode.FORBIDDEN)
    if not principal.has_scope(scope):
        raise forbidden(scope)


def require_one_of(info: Info[Context, None], *scopes: str) -> None:
    """One of `scopes` (e.g. a curator's or the organisation's own right to the same field)."""
    principal = info.context.principal
    if not reads_beyond_me(principal):
        raise coded_error("the organisation is not vetted", ErrorCode.FORBIDDEN)
    if not any(principal.has_scope(scope) for scope in scopes):
        raise forbidden(" or ".join(scopes))
