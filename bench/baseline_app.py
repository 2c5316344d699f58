"""The real application plus plain Starlette baselines, for benchmarks only.

    uvicorn --factory bench.baseline_app:app

Each `/baseline/...` route answers what a GraphQL scenario answers, with the same bytes (or the
same JSON), the same authentication and the same SQL, but without GraphQL; the ratio between the
two is the cost of the GraphQL layer. `/baseline/stats` reports how many SQL statements the
process has executed for completed requests (bench/counting.py). None of this is ever
mounted by `api.app.create_app`.
"""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Mount, Route

from api.app import create_app
from api.graphql.transport import encode_json
from api.settings import Settings
from auth.errors import InvalidToken
from auth.service import Authenticator, build_authenticator, build_verifier
from bench import quote_baseline
from bench.counting import CountStatements, IndexTime, StatementCounter
from catalog.core.db import Database
from catalog.core.enums import ProductCategory
from catalog.core.ids import to_global_id
from catalog.core.principal import Principal
from catalog.models import Organisation, Product
from catalog.products import listing as products
from catalog.products.listing import ProductOrder
from search.backend import SearchBackend, SearchQuery, SearchResult
from search.meili import MeiliSearch

PAGE_SIZE = 50
SPEC_FIELDS: dict[ProductCategory, dict[str, str]] = {
    ProductCategory.GROUND_DRONE: {
        "range_km": "rangeKm",
        "endurance_h": "enduranceH",
        "payload_kg": "payloadKg",
        "max_speed_kmh": "maxSpeedKmh",
        "mass_kg": "massKg",
        "drive": "drive",
        "autonomy_level": "autonomyLevel",
        "comms": "comms",
    },
    ProductCategory.NAVAL_DRONE: {
        "range_km": "rangeKm",
        "endurance_h": "enduranceH",
        "payload_kg": "payloadKg",
        "max_speed_knots": "maxSpeedKnots",
        "length_m": "lengthM",
        "hull": "hull",
        "autonomy_level": "autonomyLevel",
        "comms": "comms",
    },
    ProductCategory.SOFTWARE: {
        "deployment": "deployment",
        "platforms": "platforms",
        "autonomy_level": "autonomyLevel",
        "integrations": "integrations",
        "licence_model": "licenceModel",
    },
}
SPEC_TYPENAMES = {
    ProductCategory.GROUND_DRONE: "GroundDroneSpecs",
    ProductCategory.NAVAL_DRONE: "NavalDroneSpecs",
    ProductCategory.SOFTWARE: "SoftwareSpecs",
}
FLOAT_SPECS = frozenset(
    {"range_km", "endurance_h", "payload_kg", "max_speed_kmh", "mass_kg"}
    | {"max_speed_knots", "length_m"}
)


def graphql_json(data: dict[str, Any]) -> Response:
    """Encoded exactly as the GraphQL endpoint encodes its responses."""
    return Response(encode_json({"data": data}), media_type="application/json")


def global_id(type_name: str, value: uuid.UUID) -> str:
    return to_global_id(type_name, value)


def specs_json(row: Product) -> dict[str, Any]:
    out: dict[str, Any] = {"__typename": SPEC_TYPENAMES[row.category]}
    for name, camel in SPEC_FIELDS[row.category].items():
        value = row.specs.get(name)
        if name in FLOAT_SPECS and value is not None:
            value = float(value)
        elif name in ("platforms", "integrations"):
            value = list(value or [])
        out[camel] = value
    return out


def product_json(row: Product, maker: Organisation) -> dict[str, Any]:
    """The fields selected by the scenarios' `ProductFields` fragment, in the same order."""
    return {
        "id": global_id("Product", row.id),
        "name": row.name,
        "category": row.category.value,
        "summary": row.summary,
        "controlEntry": row.control_entry,
        "techTransfer": row.tech_transfer.value,
        "unitsAvailable": row.units_available,
        "leadTimeDays": row.lead_time_days,
        "unitPriceEur": None if row.unit_price_eur is None else str(row.unit_price_eur),
        "manufacturer": {
            "id": global_id("Manufacturer", maker.id),
            "name": maker.name,
            "country": maker.country,
        },
        "specs": specs_json(row),
    }


Handler = Callable[[Request, Principal, Database], Awaitable[Response]]


def authenticated(
    authenticator: Authenticator, db: Database, handler: Handler, scope: str = "catalog:read"
) -> Any:
    async def endpoint(request: Request) -> Response:
        try:
            principal = await authenticator.authenticate(request)
        except InvalidToken as error:
            return JSONResponse({"error": error.description}, status_code=401)
        if not principal.has_scope(scope):
            return JSONResponse({"error": f"{scope} required"}, status_code=403)
        return await handler(request, principal, db)

    return endpoint


async def typename(request: Request, principal: Principal, db: Database) -> Response:
    return graphql_json({"__typename": "Query"})


async def product_page(request: Request, principal: Principal, db: Database) -> Response:
    page = await products.list_products(
        db,
        principal,
        product_filter=None,
        order=ProductOrder.NAME,
        first=PAGE_SIZE,
        after=None,
    )
    makers = {}  # one per manufacturer on the page, shared by its products
    for row in page.items:
        if row.manufacturer_id not in makers:
            makers[row.manufacturer_id] = products.maker_of(row)
    edges = [
        {"cursor": cursor, "node": product_json(row, makers[row.manufacturer_id])}  # type: ignore[arg-type]
        for row, cursor in zip(page.items, page.cursors, strict=True)
    ]
    end = page.cursors[-1] if page.cursors else None
    connection = {"edges": edges, "pageInfo": {"hasNextPage": page.has_next, "endCursor": end}}
    return graphql_json({"products": connection})


async def one_product(request: Request, principal: Principal, db: Database) -> Response:
    product_id: uuid.UUID = request.path_params["product_id"]
    found = await products.get_many_visible(db, principal, [product_id])
    row = found.get(product_id)
    if row is None:
        return graphql_json({"product": None})
    return graphql_json({"product": product_json(row, products.maker_of(row))})  # type: ignore[arg-type]


def search_page(backend: SearchBackend) -> Handler:
    """The search scenario's query, straight to the application's own configured backend
    (the same object, so the same caches), without GraphQL."""

    async def page(request: Request, principal: Principal, db: Database) -> Response:
        body = await request.json()
        query = SearchQuery(body["query"], facets=tuple(body["facets"]), first=body["first"])
        return _search_json(await backend.search(principal, query))

    return page


def _search_json(result: SearchResult) -> Response:
    facets = [
        {
            "name": f.name,
            "values": [
                {"value": _facet_value(f.name, v.value), "count": v.count} for v in f.values
            ],
        }
        for f in result.facets
    ]
    edges = [{"node": {"id": global_id("Product", hit.product_id)}} for hit in result.hits]
    return graphql_json({"search": {"totalCount": result.total, "edges": edges, "facets": facets}})


def _facet_value(facet: str, value: str) -> str:
    return global_id("Manufacturer", uuid.UUID(value)) if facet == "manufacturer" else value


def baseline_routes(
    db: Database, settings: Settings, search: SearchBackend, counter: StatementCounter
) -> list[Route]:
    authenticator = build_authenticator(db, settings)

    async def stats(request: Request) -> Response:
        return JSONResponse(counter.snapshot())

    return [
        Route("/typename", authenticated(authenticator, db, typename), methods=["POST"]),
        Route("/products", authenticated(authenticator, db, product_page), methods=["POST"]),
        Route(
            "/product/{product_id:uuid}",
            authenticated(authenticator, db, one_product),
            methods=["POST"],
        ),
        Route("/search", authenticated(authenticator, db, search_page(search)), methods=["POST"]),
        Route(
            "/request-quote",
            authenticated(authenticator, db, quote_baseline.request_quote, "quotes:request"),
            methods=["POST"],
        ),
        Route("/stats", stats),
    ]


def _meilisearch_of(search: Any) -> MeiliSearch | None:
    """The Meilisearch backend inside what `create_app` built (timed, with its fallback)."""
    backend = getattr(search, "_backend", search)
    primary = getattr(backend, "primary", backend)
    return primary if isinstance(primary, MeiliSearch) else None


def app(settings: Settings | None = None) -> Starlette:
    settings = settings or Settings()
    inner = create_app(settings)
    db: Database = inner.state.db
    counter = StatementCounter()
    counter.attach(db.engine)
    if db.write_engine is not db.engine:
        counter.attach(db.write_engine)

    search: SearchBackend = inner.state.search
    meili = _meilisearch_of(search)
    if meili is not None:
        meili._search = IndexTime(meili._search, counter)  # type: ignore[assignment]
    # Here, not at the top: the raw floor reuses this module's field tables.
    from bench.raw_app import RawRoutes
    from bench.raw_search import RawSearch
    from bench.raw_sql import RawDatabase

    raw_db = RawDatabase(settings.database_url)
    raw = RawRoutes(
        raw_db, build_verifier(db, settings), RawSearch(db), build_authenticator(db, settings)
    )

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        await raw_db.open()
        try:
            async with inner.router.lifespan_context(inner):
                yield
        finally:
            await raw_db.close()

    routes = [
        Mount("/baseline", routes=baseline_routes(db, settings, search, counter)),
        Mount("/raw", routes=raw.routes()),
        Mount("/", inner),
    ]
    outer = Starlette(
        routes=routes, lifespan=lifespan, middleware=[Middleware(CountStatements, counter=counter)]
    )
    outer.state.db = db
    outer.state.settings = settings
    return outer
