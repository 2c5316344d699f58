"""Scope checks for resolvers. Partners that are not vetted may read `me` and nothing else."""

from strawberry.types import Info

from schema.context import Context
from schema.errors import ErrorCode, coded_error, forbidden


def require(info: Info[Context, None], scope: str) -> None:
    principal = info.context.principal
    if not principal.may_read_beyond_me:
        raise coded_error("the organisation is not vetted", ErrorCode.FORBIDDEN)
    if not principal.has_scope(scope):
        raise forbidden(scope)
