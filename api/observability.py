"""Per-request observability: the request's log context (under the id that
`api.request_id.RequestIdMiddleware` gave it), request metrics, one log line per request, and
the GraphQL operation's name."""

import logging
import time
import uuid

from graphql import DocumentNode
from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.logs import RequestContext, current_request, request_context
from api.metrics import Metrics
from schema.document import operation_name

log = logging.getLogger("market.http")


class ObservabilityMiddleware:
    def __init__(self, app: ASGIApp, metrics: Metrics, routes: set[str]) -> None:
        self.app = app
        self.metrics = metrics
        self.routes = routes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        request_id = scope.get("state", {}).get("request_id") or uuid.uuid4().hex
        context = RequestContext(request_id=request_id)
        token = current_request.set(context)
        status = 500
        started = time.perf_counter()

        async def send_noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, send_noting_status)
        finally:
            self._record(scope, context, status, time.perf_counter() - started)
            current_request.reset(token)

    def _record(self, scope: Scope, context: RequestContext, status: int, seconds: float) -> None:
        path = scope.get("path", "")
        route = path if path in self.routes else "unmatched"
        method = scope.get("method", "")
        self.metrics.http_requests.labels(method, route, str(status)).inc()
        self.metrics.http_latency.labels(method, route).observe(seconds)
        if context.operation is not None:
            self.metrics.graphql_requests.labels(context.operation).inc()
            self.metrics.graphql_latency.labels(context.operation).observe(seconds)
        log.info(
            "request",
            extra={
                "method": method,
                "path": route,
                "status": status,
                "duration_ms": round(seconds * 1000, 2),
            },
        )


def name_operation(request: Request, document: DocumentNode | None, asked: str | None) -> None:
    """Names the request's GraphQL operation (a bounded label) once it has run: the name asked
    for, else the document's first operation's, as Strawberry names it. Errors are counted by
    the pipeline (api/graphql/pipeline.py), with the codes the answer carries."""
    context = request_context()
    if context is None:
        return
    metrics: Metrics = request.app.state.metrics
    context.operation = metrics.operation_label(operation_name(document, asked))
