"""`/graphql` over GET and POST: each request goes through one pass.

1. the IDE page (dev only) needs no token; everything else needs a valid bearer token (401);
2. the response type is negotiated and the request's parameters read once: body limit, content
   type, JSON (transport.py); multipart only for uploads (multipart.py);
3. the document is parsed and measured once, and that cost charged to the client's bucket
   (admission.py);
4. the Strawberry schema executes with the prepared document in the context, so it neither
   parses nor measures again (schema/document.py);
5. the body is built with its `extensions` (the cost budget and what resolvers reported) and
   serialised once.
"""

from typing import Any, cast

import strawberry
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.exceptions import MissingQueryError
from strawberry.http.ides import get_graphql_ide_html
from strawberry.http.types import HTTPMethod
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from api.graphql.admission import MINIMUM_COST, RATE_LIMITED, Admission, refusal
from api.graphql.multipart import is_multipart, params_from_multipart
from api.graphql.transport import (
    GRAPHQL_RESPONSE,
    JSON,
    GraphQLParams,
    HTTPProblem,
    check_content_type,
    is_request_error,
    json_response,
    negotiate,
    params_from_get,
    params_from_post,
    problem_response,
    read_body,
)
from api.logs import request_context
from api.metrics import Metrics
from api.observability import name_operation
from api.ratelimit import Budget, RateLimits
from api.settings import Settings
from api.unavailable import DatabaseUnavailable
from auth.errors import InvalidToken
from auth.service import Authenticator
from catalog.core.db import Database
from catalog.core.principal import Principal
from catalog.documents.content import MAX_DOCUMENT_BYTES
from schema.context import Context
from schema.document import PreparedDocument
from schema.errors import ErrorCode
from search.backend import SearchBackend

# Answers are per caller and JSON: never cached by anyone, never sniffed into something else.
ANSWER_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def unauthenticated(error: InvalidToken) -> Response:
    return JSONResponse(
        {
            "errors": [
                {"message": error.description, "extensions": {"code": ErrorCode.UNAUTHENTICATED}}
            ]
        },
        status_code=401,
        headers={"WWW-Authenticate": error.challenge},
    )


class GraphQLEndpoint:
    """The ASGI app behind `/graphql`."""

    def __init__(
        self,
        schema: strawberry.Schema,
        db: Database,
        settings: Settings,
        authenticator: Authenticator,
        limits: RateLimits,
        search: SearchBackend | None = None,
    ) -> None:
        self.schema = schema
        self.db = db
        self.settings = settings
        self.authenticator = authenticator
        self.search = search
        self.admission = Admission(schema._schema, settings, limits)
        self.ide_html = get_graphql_ide_html(graphql_ide="graphiql") if settings.is_dev else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if self.ide_html is not None and is_ide_page(request):
            response: Response = HTMLResponse(self.ide_html)
        else:
            response = await self._authenticated(request)
        response.headers.update(ANSWER_HEADERS)
        await response(scope, receive, send)

    async def _authenticated(self, request: Request) -> Response:
        try:
            principal = await self.authenticator.authenticate(request)
        except InvalidToken as error:
            count_errors(request, [ErrorCode.UNAUTHENTICATED])
            return unauthenticated(error)
        log_context = request_context()
        if log_context is not None:
            log_context.org = principal.org_slug
        return await self._answer(request, principal)

    async def _answer(self, request: Request, principal: Principal) -> Response:
        media_type = JSON
        try:
            media_type = negotiate(request.headers.get("accept"))
            params = await self._params(request)
        except HTTPProblem as problem:
            budget = await self.admission.charge(principal, MINIMUM_COST)
            if budget is not None and not budget.allowed:
                return refused(request, budget)
            count_errors(request, [problem.code])
            return problem_response(problem, media_type, extensions({}, budget))
        prepared = self.admission.prepare(params)
        budget = await self.admission.charge(principal, prepared.cost)
        if budget is not None and not budget.allowed:
            return refused(request, budget)
        context = self._context(request, principal, prepared)
        try:
            body, status = await self._execute(request, params, context, media_type)
        except HTTPProblem as problem:
            count_errors(request, [problem.code])
            return problem_response(problem, media_type, extensions(context.reported, budget))
        count_errors(request, [_formatted_code(error) for error in body.get("errors", ())])
        if added := extensions(context.reported, budget):
            body["extensions"] = added
        return json_response(body, status, media_type)

    async def _params(self, request: Request) -> GraphQLParams:
        if request.method == "GET":
            return params_from_get(request)
        content_type = request.headers.get("content-type")
        if is_multipart(content_type):
            return await params_from_multipart(request, MAX_DOCUMENT_BYTES)
        check_content_type(content_type)
        return params_from_post(await read_body(request, self.settings.graphql_max_body_bytes))

    def _context(
        self, request: Request, principal: Principal, prepared: PreparedDocument
    ) -> Context:
        return Context(
            request=request,
            response=None,
            db=self.db,
            principal=principal,
            settings=self.settings,
            search=self.search,
            request_id=request.scope.get("state", {}).get("request_id", ""),
            prepared=prepared,
        )

    async def _execute(
        self, request: Request, params: GraphQLParams, context: Context, media_type: str
    ) -> tuple[dict[str, Any], int]:
        """The response body without `extensions`, and its status."""
        try:
            result = await self.schema.execute(
                params.query,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                allowed_operation_types=OperationType.from_http(cast(HTTPMethod, request.method)),
                operation_extensions=params.extensions,
            )
        except InvalidOperationTypeError as error:
            reason = error.as_http_error_reason(request.method)
            raise HTTPProblem(405, reason, Allow="POST") from error
        except CannotGetOperationTypeError as error:
            raise HTTPProblem(400, error.as_http_error_reason()) from error
        except MissingQueryError as error:
            raise HTTPProblem(400, "the request needs a `query` string") from error
        document = context.prepared.document if context.prepared is not None else None
        name_operation(request, document, params.operation_name)
        if any(_code(error) == ErrorCode.SERVICE_UNAVAILABLE for error in result.errors or []):
            count_errors(request, [ErrorCode.SERVICE_UNAVAILABLE])
            raise DatabaseUnavailable  # the whole request fails with 503 (api/unavailable.py)
        body: dict[str, Any] = {}
        failed_early = is_request_error(result.data, result.errors)
        if not failed_early:
            body["data"] = result.data
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        status = 400 if failed_early and media_type == GRAPHQL_RESPONSE else 200
        return body, status


def is_ide_page(request: Request) -> bool:
    return (
        request.method == "GET"
        and "text/html" in request.headers.get("accept", "")
        and "query" not in request.query_params
    )


def extensions(reported: dict[str, Any], budget: Budget | None) -> dict[str, Any]:
    """The response's top-level `extensions`: what resolvers reported, then the budget."""
    if budget is None:
        return dict(reported)
    return {**reported, "cost": budget.as_extension()}


def count_errors(request: Request, codes: list[object]) -> None:
    """`market_graphql_errors_total` counts the codes the client was answered with."""
    metrics: Metrics | None = getattr(request.app.state, "metrics", None)
    if metrics is not None:
        for code in codes:
            metrics.graphql_errors.labels(str(code)).inc()


def refused(request: Request, budget: Budget) -> Response:
    count_errors(request, [RATE_LIMITED if budget.ever_affordable else ErrorCode.LIMIT_EXCEEDED])
    return refusal(budget)


def _formatted_code(error: dict[str, Any]) -> object:
    return (error.get("extensions") or {}).get("code")


def _code(error: GraphQLError) -> object:
    return (error.extensions or {}).get("code")
