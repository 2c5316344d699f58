"""The rate limits of api/ratelimit.py applied to HTTP: GraphQL requests spend their cost from
their client's bucket (and are told what is left in `extensions.cost`); token requests are
counted per client id and source address."""

import base64
import json
from typing import Any
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.graphql_app import MarketGraphQL
from api.ratelimit import Budget, RateLimits, query_cost
from auth.transport import TransportPolicy
from schema.context import RESPONSE_EXTENSIONS
from schema.errors import ErrorCode

RATE_LIMITED = "RATE_LIMITED"
TOKEN_ENDPOINT = "/oauth/token"  # noqa: S105 - a path, not a secret
MAX_TOKEN_FORM_BYTES = 16 * 1024


async def read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The request body, up to `limit` bytes; the flag says whether all of it was read."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > limit:
            return b"".join(chunks), False


def replay(body: bytes, complete: bool, receive: Receive) -> Receive:
    """A `receive` that yields the bytes already read, then whatever is still to come."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": not complete}
        return await receive()

    return replayed


def _graphql_params(request: Request, body: bytes) -> tuple[str, dict[str, Any] | None]:
    """Query and variables as the GraphQL transport will see them; anything malformed costs
    the minimum and is left to the transport to refuse."""
    try:
        if request.method == "GET":
            raw = request.query_params.get("variables")
            params: dict[str, Any] = {
                "query": request.query_params.get("query"),
                "variables": json.loads(raw) if raw else None,
            }
        else:
            params = json.loads(body)
    except (ValueError, RecursionError):  # the transport refuses these with its own message
        return "", None
    if not isinstance(params, dict):
        return "", None
    query, variables = params.get("query"), params.get("variables")
    return (
        query if isinstance(query, str) else "",
        variables if isinstance(variables, dict) else None,
    )


def rate_limited(budget: Budget) -> Response:
    cost = budget.as_extension()
    if not budget.ever_affordable:
        message = f"the query costs {budget.requested}, more than the budget of {budget.capacity}"
        extensions = {
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


def with_extensions(send: Send, scope: Scope, budget: Budget) -> Send:
    """A `send` that adds the bucket's state, and what resolvers reported (schema/context.py),
    to the top-level `extensions` of a JSON answer."""
    start: Message | None = None
    chunks: list[bytes] = []

    async def sending(message: Message) -> None:
        nonlocal start
        if message["type"] == "http.response.start":
            start = message
            return
        if message["type"] != "http.response.body" or start is None:
            await send(message)
            return
        chunks.append(message.get("body", b""))
        if message.get("more_body", False):
            return
        reported = scope.get("state", {}).get(RESPONSE_EXTENSIONS, {})
        body = _extended(b"".join(chunks), {**reported, "cost": budget.as_extension()})
        headers = [(k, v) for k, v in start.get("headers", []) if k.lower() != b"content-length"]
        headers.append((b"content-length", str(len(body)).encode()))
        await send({**start, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return sending


def _extended(body: bytes, extra: dict[str, Any]) -> bytes:
    try:
        document = json.loads(body)
    except (ValueError, RecursionError):
        return body
    if not isinstance(document, dict):
        return body
    document.setdefault("extensions", {}).update(extra)
    return json.dumps(document, separators=(",", ":")).encode()


class BudgetedGraphQL(MarketGraphQL):
    """GraphQL whose requests spend their static cost from their client's bucket first."""

    def __init__(self, *args: Any, limits: RateLimits, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.limits = limits

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        principal = scope.get("state", {}).get("principal")
        if scope["type"] != "http" or principal is None:  # the IDE page (dev only)
            await super().__call__(scope, receive, send)
            return
        request = Request(scope)
        body, complete = await read_body(receive, self.settings.graphql_max_body_bytes)
        query, variables = _graphql_params(request, body) if complete else ("", None)
        client = principal.client_id or principal.subject
        settings = self.settings
        schema = self.schema._schema
        cost = query_cost(
            schema, query, variables, settings.page_size_max, settings.graphql_max_tokens
        )
        if cost > settings.graphql_max_cost:
            # Refused by the request limits before anything runs: nothing to charge.
            await super().__call__(scope, replay(body, complete, receive), send)
            return
        budget = await self.limits.spend_cost(client, cost)
        if not budget.allowed:
            await rate_limited(budget)(scope, receive, send)
            return
        await super().__call__(
            scope, replay(body, complete, receive), with_extensions(send, scope, budget)
        )


def _named_client(request: Request, form: bytes) -> str | None:
    """The client id a token request names (Basic credentials or the form); not yet verified."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except ValueError:
            return None
        return unquote(decoded.partition(":")[0]) or None
    try:
        fields = dict(parse_qsl(form.decode(), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        return None
    return fields.get("client_id") or None


class TokenAttemptLimit:
    """ASGI middleware: token requests beyond the per-address or per-client allowance get 429
    before any secret is checked (secret hashing is deliberately slow)."""

    def __init__(self, app: ASGIApp, limits: RateLimits, trusted_proxies: list[str]) -> None:
        self.app = app
        self.limits = limits
        self.transport = TransportPolicy(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != TOKEN_ENDPOINT or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        body, complete = await read_body(receive, MAX_TOKEN_FORM_BYTES)
        address = self.transport.source_address(request)
        budget = await self.limits.token_attempt(_named_client(request, body), address)
        if not budget.allowed:
            response = JSONResponse(
                {
                    "error": "slow_down",
                    "error_description": f"too many token requests; retry after "
                    f"{budget.retry_after} s",
                },
                status_code=429,
                headers={"Retry-After": str(budget.retry_after), "Cache-Control": "no-store"},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, replay(body, complete, receive), send)
