"""Per-request SQL statement counts and the search index's own time, for the benchmark server
only.

Each request gets its own tally in a context variable; SQLAlchemy runs its sync layer in
greenlets that share the awaiting task's context, and DataLoader batches run in tasks created
inside the request, so every statement a request causes lands in that request's tally. Only
successful requests (status 200, response complete) are counted: requests cut off when the load
generator disconnects end early with an error and would otherwise bias the average.
"""

from contextvars import ContextVar
from typing import Any

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.types import ASGIApp, Message, Receive, Scope, Send

STATS_PATH = "/baseline/stats"
_tally: ContextVar[list[int] | None] = ContextVar("bench_statement_tally", default=None)


class StatementCounter:
    def __init__(self) -> None:
        self.requests = 0
        self.statements = 0
        self.outside_requests = 0  # e.g. signing-key refreshes on a timer
        # Meilisearch's own processing time (`processingTimeMs`) over every index query.
        self.index_queries = 0
        self.index_ms = 0.0

    def attach(self, engine: AsyncEngine) -> None:
        @event.listens_for(engine.sync_engine, "before_cursor_execute")
        def count(*_args: Any) -> None:
            tally = _tally.get()
            if tally is None:
                self.outside_requests += 1
            else:
                tally[0] += 1

    def snapshot(self) -> dict[str, float]:
        return {
            "requests": self.requests,
            "statements": self.statements,
            "outside_requests": self.outside_requests,
            "index_queries": self.index_queries,
            "index_ms": self.index_ms,
        }


class IndexTime:
    """Stands between the Meilisearch backend and its search route (search/meili_route.py)
    and books the processing time Meilisearch reports in each answer, so that a run can set
    the service's latency against the index's own."""

    def __init__(self, route: Any, counter: StatementCounter) -> None:
        self.route = route
        self.counter = counter

    async def __call__(self, params: dict[str, Any]) -> dict[str, Any]:
        answer: dict[str, Any] = await self.route(params)
        self.counter.index_queries += 1
        self.counter.index_ms += float(answer.get("processingTimeMs", 0))
        return answer

    async def close(self) -> None:
        await self.route.close()


class CountStatements:
    """ASGI middleware: opens a tally per HTTP request and books it when the response ends."""

    def __init__(self, app: ASGIApp, counter: StatementCounter) -> None:
        self.app = app
        self.counter = counter

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] == STATS_PATH:
            await self.app(scope, receive, send)
            return
        tally = [0]
        token = _tally.set(tally)
        status = [0]

        async def booking_send(message: Message) -> None:
            await send(message)
            if message["type"] == "http.response.start":
                status[0] = message["status"]
            elif not message.get("more_body", False) and status[0] == 200:
                self.counter.requests += 1
                self.counter.statements += tally[0]

        try:
            await self.app(scope, receive, booking_send)
        finally:
            _tally.reset(token)
