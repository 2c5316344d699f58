"""Admission of a GraphQL request before anything runs: its document parsed and measured once
(schema/document.py, schema/limits.py), and that measured cost charged to the calling client's
bucket (api/ratelimit.py). A client whose bucket cannot pay gets 429 with Retry-After; a
document dearer than the whole bucket is refused for good; a document over the request limits
is not charged at all, since the limits refuse it before any resolver runs."""

from typing import Any

from graphql import GraphQLSchema
from starlette.responses import JSONResponse, Response

from api.graphql.transport import GraphQLParams
from api.ratelimit import Budget, RateLimits
from api.settings import Settings
from catalog.core.principal import Principal
from schema.document import PreparedDocument, prepare_document
from schema.errors import ErrorCode

RATE_LIMITED = "RATE_LIMITED"
# What a request refused before its document is read costs, the same as a document that does
# not parse: the point is that a stream of malformed requests still empties the bucket.
MINIMUM_COST = 1


class Admission:
    def __init__(self, schema: GraphQLSchema, settings: Settings, limits: RateLimits) -> None:
        self.schema = schema
        self.settings = settings
        self.limits = limits

    def prepare(self, params: GraphQLParams) -> PreparedDocument:
        """The request's document, parsed (cached by its text) and measured, once."""
        return prepare_document(
            self.schema,
            params.query,
            params.variables,
            self.settings.page_size_max,
            self.settings.graphql_max_tokens,
        )

    async def charge(self, principal: Principal, cost: int) -> Budget | None:
        """Spend `cost` from the client's bucket; None, and nothing spent, when the cost is
        over the request limit (the validation step then refuses the document)."""
        if cost > self.settings.graphql_max_cost:
            return None
        return await self.limits.spend_cost(principal.client_id or principal.subject, cost)


def refusal(budget: Budget) -> Response:
    """The answer to a request its budget cannot pay for."""
    cost = budget.as_extension()
    if not budget.ever_affordable:
        message = f"the query costs {budget.requested}, more than the budget of {budget.capacity}"
        extensions: dict[str, Any] = {
            "code": ErrorCode.LIMIT_EXCEEDED,
            "limit": "budget",
            "allowed": budget.capacity,
            "actual": budget.requested,
        }
        error = {"message": message, "extensions": extensions}
        return JSONResponse({"errors": [error], "extensions": {"cost": cost}})
    message = f"rate limited: retry after {budget.retry_after} s"
    error = {"message": message, "extensions": {"code": RATE_LIMITED, "cost": cost}}
    return JSONResponse(
        {"errors": [error], "extensions": {"cost": cost}},
        status_code=429,
        headers={"Retry-After": str(budget.retry_after)},
    )
