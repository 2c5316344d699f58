"""GraphQL over HTTP: authentication in front of Strawberry's ASGI app."""

import strawberry
from graphql import GraphQLError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import Receive, Scope, Send
from strawberry.asgi import GraphQL
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from api.graphql_http import (
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
from api.settings import Settings
from api.unavailable import DatabaseUnavailable
from auth.errors import InvalidToken
from auth.service import Authenticator
from catalog.core.db import Database
from schema.context import Context
from schema.errors import ErrorCode
from search.backend import SearchBackend


def unauthenticated(error: InvalidToken) -> Response:
    return JSONResponse(
        {
            "errors": [
                {"message": error.description, "extensions": {"code": ErrorCode.UNAUTHENTICATED}}
            ]
        },
        status_code=401,
        headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
    )


class MarketGraphQL(GraphQL[Context, None]):
    def __init__(
        self,
        schema: strawberry.Schema,
        db: Database,
        settings: Settings,
        search: SearchBackend | None = None,
    ) -> None:
        super().__init__(
            schema,
            graphql_ide="graphiql" if settings.is_dev else None,
            allow_queries_via_get=True,
        )
        self.db = db
        self.settings = settings
        self.search = search

    async def get_context(self, request: Request, response: Response) -> Context:  # type: ignore[override]
        return Context(
            request=request,
            response=response,
            db=self.db,
            principal=request.scope["state"]["principal"],
            settings=self.settings,
            search=self.search,
            request_id=request.scope["state"].get("request_id", ""),
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        """The HTTP transport of api/graphql_http.py in place of Strawberry's own, which knows
        neither application/graphql-response+json nor body limits."""
        request = Request(scope, receive)
        media_type = JSON
        try:
            if self.is_ide_page(request):
                response = await self.render_graphql_ide(request)
            else:
                media_type = negotiate(request.headers.get("accept"))
                response = await self._answer(request, media_type)
        except HTTPProblem as problem:
            response = problem_response(problem, media_type)
        await response(scope, receive, send)

    def is_ide_page(self, request: Request) -> bool:
        return (
            self.graphql_ide is not None
            and request.method == "GET"
            and "text/html" in request.headers.get("accept", "")
            and "query" not in request.query_params
        )

    async def _params(self, request: Request) -> GraphQLParams:
        if request.method == "GET":
            return params_from_get(request)
        check_content_type(request.headers.get("content-type"))
        return params_from_post(await read_body(request, self.settings.graphql_max_body_bytes))

    async def _answer(self, request: Request, media_type: str) -> Response:
        params = await self._params(request)
        context = await self.get_context(request, Response())
        try:
            result = await self.schema.execute(
                params.query,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                allowed_operation_types=OperationType.from_http(request.method),
                operation_extensions=params.extensions,
            )
        except InvalidOperationTypeError as error:
            reason = error.as_http_error_reason(request.method)
            raise HTTPProblem(405, reason, Allow="POST") from error
        except CannotGetOperationTypeError as error:
            raise HTTPProblem(400, error.as_http_error_reason()) from error
        except MissingQueryError as error:
            raise HTTPProblem(400, "the request needs a `query` string") from error
        if any(_code(error) == ErrorCode.SERVICE_UNAVAILABLE for error in result.errors or []):
            raise DatabaseUnavailable  # the whole request fails with 503 (api/unavailable.py)
        body: dict[str, object] = {}
        failed_early = is_request_error(result.data, result.errors)
        if not failed_early:
            body["data"] = result.data
        if result.errors:
            body["errors"] = [error.formatted for error in result.errors]
        status = 400 if failed_early and media_type == GRAPHQL_RESPONSE else 200
        return json_response(body, status, media_type)


def _code(error: GraphQLError) -> object:
    return (error.extensions or {}).get("code")


class AuthenticatedGraphQL:
    """Every GraphQL request needs a valid bearer token; the IDE page itself (dev only) does not."""

    def __init__(self, graphql: MarketGraphQL, authenticator: Authenticator) -> None:
        self.graphql = graphql
        self.authenticator = authenticator

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        request = Request(scope, receive)
        if self.graphql.is_ide_page(request):
            await self.graphql(scope, receive, send)
            return
        try:
            principal = await self.authenticator.authenticate(request)
        except InvalidToken as error:
            await unauthenticated(error)(scope, receive, send)
            return
        scope.setdefault("state", {})["principal"] = principal
        context = request_context()
        if context is not None:
            context.org = principal.org_slug
        await self.graphql(scope, receive, send)
