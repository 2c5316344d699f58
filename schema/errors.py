"""One error model: domain problems become UserErrors in payloads, or coded GraphQL errors."""

from collections.abc import Awaitable, Callable
from typing import TypeVar

import strawberry
from graphql import GraphQLError

from catalog.core.errors import DomainError


class ErrorCode:
    UNAUTHENTICATED = "UNAUTHENTICATED"
    FORBIDDEN = "FORBIDDEN"
    NOT_FOUND = "NOT_FOUND"
    BAD_USER_INPUT = "BAD_USER_INPUT"
    LIMIT_EXCEEDED = "LIMIT_EXCEEDED"
    INTERNAL = "INTERNAL"
    TIMEOUT = "TIMEOUT"
    SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"


@strawberry.type(description="A problem with the input of a mutation; nothing was written.")
class UserError:
    field: str | None
    message: str
    code: str = strawberry.field(
        description="INVALID, NOT_FOUND, FORBIDDEN, CONFLICT, INVALID_TRANSITION, FOUR_EYES, "
        "EMBARGOED, UNKNOWN_COUNTRY, NOT_ALLOWED (an export-control cause forbids the step, or "
        "the case is on hold), INSUFFICIENT_UNITS (beyond the surplus still available), "
        "NOT_A_PARTNER_COUNTRY, BAD_USER_INPUT (a value outside a closed list, e.g. a currency)."
    )


def user_errors(error: DomainError) -> list[UserError]:
    return [UserError(field=p.field, message=p.message, code=p.code) for p in error.problems]


R = TypeVar("R")
P = TypeVar("P")


async def mutation_payload(
    action: Callable[[], Awaitable[R]],
    success: Callable[[R], P],
    failure: Callable[[list[UserError]], P],
) -> P:
    """The one place a mutation turns a DomainError into its payload's `errors` (the domain
    function has written nothing when it raises)."""
    try:
        result = await action()
    except DomainError as error:
        return failure(user_errors(error))
    return success(result)


def coded_error(message: str, code: str) -> GraphQLError:
    return GraphQLError(message, extensions={"code": code})


def forbidden(scope: str) -> GraphQLError:
    return coded_error(f"this field needs the scope {scope}", ErrorCode.FORBIDDEN)
