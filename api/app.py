"""The Starlette application: one `create_app(settings)` so that tests build their own."""

import gc
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route, WebSocketRoute
from starlette.staticfiles import StaticFiles

from api.dev import dev_routes
from api.documents import document_routes
from api.graphql import GraphQLEndpoint
from api.graphql.websocket import GraphQLWebSocket
from api.keepalive import ConnectionLifetime
from api.memory import return_large_blocks_to_the_system
from api.metrics import Metrics, TimedSearch, metrics_endpoint
from api.observability import ObservabilityMiddleware
from api.ratelimit import RateLimits
from api.request_id import RequestIdMiddleware
from api.settings import Settings
from api.token_attempts import TokenAttemptLimit
from api.unavailable import UnavailableDatabase
from auth.service import auth_routes, build_authenticator
from catalog.core.db import Database
from notify.live import LiveHub
from schema import build_schema
from search.backend import SearchBackend
from search.factory import build_backend

FRONTEND = Path(__file__).resolve().parent.parent / "frontend_stub"


async def healthz(request: Request) -> Response:
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    db: Database = request.app.state.db
    checks: dict[str, str] = {}
    try:
        await db.ping()
        checks["database"] = "ok"
    except Exception as error:  # any failure means not ready; the reason is for operators
        checks["database"] = f"unavailable: {type(error).__name__}"
    health = await request.app.state.search.health()
    checks["search"] = "ok" if health.ok else f"unavailable: {health.detail}"
    ready = all(value == "ok" for value in checks.values())
    return JSONResponse(
        {"status": "ready" if ready else "unavailable", "checks": checks},
        status_code=200 if ready else 503,
    )


# The page loads only its own scripts and styles and talks only to this origin, so injected
# markup could neither run nor send anything elsewhere.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; "
        "frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}


async def index(request: Request) -> Response:
    return FileResponse(FRONTEND / "index.html", headers=PAGE_HEADERS)


def create_app(
    settings: Settings | None = None,
    *,
    db: Database | None = None,
    search: SearchBackend | None = None,
) -> Starlette:
    settings = settings or Settings()
    return_large_blocks_to_the_system()
    database = db or Database(
        settings.database_url,
        echo=settings.sql_echo,
        pool_size=settings.db_pool_size,
        statement_timeout_ms=settings.db_statement_timeout_ms,
        connect_timeout_s=settings.db_connect_timeout_seconds,
    )
    owns_db = db is None
    owns_search = search is None
    backend: SearchBackend = search or build_backend(
        settings.search_backend,
        database,
        meili_url=settings.meili_url,
        meili_key=settings.meili_master_key,
        meili_index=settings.meili_index,
        degrade_to_sql=True,
    )
    limits = RateLimits(settings)

    @asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        # Everything built so far (modules, schema, engine) lives as long as the process:
        # move it out of the collector's reach, so full collections only walk what requests
        # allocate. Without it they were a sixth of a page's mean time.
        gc.collect()
        gc.freeze()
        yield
        await live.close()
        await hub.close()
        await limits.close()
        if owns_search:
            await backend.close()
        if owns_db:
            await database.dispose()

    metrics = Metrics()
    search = TimedSearch(backend, metrics)
    schema = build_schema(settings)
    authenticator = build_authenticator(database, settings)
    graphql = GraphQLEndpoint(schema, database, settings, authenticator, limits, search)
    hub = LiveHub(
        database,
        poll_seconds=settings.live_poll_seconds,
        queue_limit=settings.graphql_ws_queue_limit,
    )
    live = GraphQLWebSocket(schema, database, settings, authenticator, limits, hub, search)
    routes: list[Route | Mount | WebSocketRoute] = [
        Route("/healthz", healthz),
        Route("/readyz", readyz),
        Route("/graphql", graphql, methods=["GET", "POST"]),
        WebSocketRoute("/graphql", live),
        *auth_routes(database, settings),
        *document_routes(database, authenticator),
        Route("/", index),
        Route("/metrics", metrics_endpoint),
        Mount("/static", StaticFiles(directory=FRONTEND / "static"), name="static"),
        *dev_routes(),
    ]
    # Connection lifetime outermost, so that every answer can end a connection; then the
    # request id: the observability middleware logs under it.
    middleware = [
        Middleware(
            ConnectionLifetime,
            max_requests=settings.http_keepalive_max_requests,
            max_seconds=settings.http_keepalive_max_seconds,
        ),
        Middleware(RequestIdMiddleware),
        Middleware(
            ObservabilityMiddleware, metrics=metrics, routes={route.path for route in routes}
        ),
        Middleware(UnavailableDatabase),
        Middleware(TokenAttemptLimit, limits=limits, trusted_proxies=settings.trusted_proxies),
    ]
    app = Starlette(routes=routes, lifespan=lifespan, middleware=middleware)
    app.state.db = database
    app.state.settings = settings
    app.state.metrics = metrics
    app.state.search = search
    app.state.live_hub = hub
    return app
