"""Prometheus metrics, one registry per app (tests build many apps in one process).

The app's search backend is wrapped in `TimedSearch`, which observes every search in
`Metrics.search_latency` (by backend name).
"""

import hmac
import re
from typing import Any

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response

from catalog.core import outbox
from catalog.core.db import Database

OPERATION_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")
MAX_OPERATION_LABELS = 200
# Consumers reported even before they first run (their backlog is the whole outbox).
KNOWN_CONSUMERS = ("webhooks",)


class Metrics:
    def __init__(self) -> None:
        self.registry = CollectorRegistry(auto_describe=True)
        registry = self.registry
        self.http_requests = Counter(
            "market_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=registry,
        )
        self.http_latency = Histogram(
            "market_http_request_duration_seconds",
            "HTTP request latency by route",
            ["method", "route"],
            registry=registry,
        )
        self.graphql_requests = Counter(
            "market_graphql_requests",
            "GraphQL requests by operation name",
            ["operation"],
            registry=registry,
        )
        self.graphql_latency = Histogram(
            "market_graphql_request_duration_seconds",
            "GraphQL request latency by operation name",
            ["operation"],
            registry=registry,
        )
        self.graphql_errors = Counter(
            "market_graphql_errors",
            "GraphQL errors by code",
            ["code"],
            registry=registry,
        )
        self.outbox_backlog = Gauge(
            "market_outbox_backlog",
            "Outbox events a consumer has not processed yet",
            ["consumer"],
            registry=registry,
        )
        self.search_latency = Histogram(
            "market_search_duration_seconds",
            "Search backend latency",
            ["backend"],
            registry=registry,
        )
        self.db_pool_in_use = Gauge(
            "market_db_pool_connections_in_use",
            "Database connections checked out of the pool",
            ["engine"],
            registry=registry,
        )
        self.db_pool_size = Gauge(
            "market_db_pool_size", "Database pool size", ["engine"], registry=registry
        )
        self._operations: set[str] = set()

    def operation_label(self, name: str | None) -> str:
        """Client-chosen names, so bounded: a malformed name or one past the cap shares a label."""
        if not name:
            return "anonymous"
        if not OPERATION_NAME.fullmatch(name):
            return "invalid"
        if name not in self._operations and len(self._operations) >= MAX_OPERATION_LABELS:
            return "other"
        self._operations.add(name)
        return name

    def observe_pools(self, db: Database) -> None:
        engines = {"read": db.engine}
        if db.write_engine is not db.engine:
            engines["write"] = db.write_engine
        for name, engine in engines.items():
            pool = engine.pool
            checked_out = getattr(pool, "checkedout", None)
            size = getattr(pool, "size", None)
            if callable(checked_out):
                self.db_pool_in_use.labels(engine=name).set(checked_out())
            if callable(size):
                self.db_pool_size.labels(engine=name).set(size())

    async def observe_backlog(self, db: Database) -> None:
        for consumer, pending in (await outbox.backlog(db, KNOWN_CONSUMERS)).items():
            self.outbox_backlog.labels(consumer=consumer).set(pending)


def metrics_refusal(request: Request) -> Response | None:
    """Who may scrape. With METRICS_TOKEN set: only a request bearing it (401 otherwise). Without
    it: anyone in dev and test (`make run`), nobody in production (404, as if there were no such
    route), since the counters describe other clients' traffic."""
    settings = request.app.state.settings
    expected = settings.metrics_token
    if expected is None:
        if settings.market_env == "production":
            return Response("Not Found", status_code=404, media_type="text/plain")
        return None
    scheme, _, given = request.headers.get("authorization", "").partition(" ")
    wanted = expected.get_secret_value().encode()
    if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), wanted):
        return None
    return Response(
        "Unauthorized",
        status_code=401,
        media_type="text/plain",
        headers={"WWW-Authenticate": "Bearer", "Cache-Control": "no-store"},
    )


async def metrics_endpoint(request: Request) -> Response:
    refused = metrics_refusal(request)
    if refused is not None:
        return refused
    metrics: Metrics = request.app.state.metrics
    db: Database = request.app.state.db
    metrics.observe_pools(db)
    await metrics.observe_backlog(db)
    return Response(generate_latest(metrics.registry), media_type=CONTENT_TYPE_LATEST)


class TimedSearch:
    """A search backend whose `search` latency lands in `market_search_duration_seconds`;
    everything else passes straight through."""

    def __init__(self, backend: Any, metrics: Metrics) -> None:
        self._backend = backend
        self._histogram = metrics.search_latency.labels(backend=backend.name)

    async def search(self, principal: Any, query: Any) -> Any:
        with self._histogram.time():
            return await self._backend.search(principal, query)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._backend, name)
