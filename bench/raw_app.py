"""The `raw` floor: what this machine can answer in Python without GraphQL, the ORM or the
async driver's thread hops, for benchmarks only (never mounted by `api.app.create_app`).

Each `/raw/...` route does the same authentication work as the application (signature and
claims through the application's own verifier, client, organisation and the token's revocation
through the application's own lookup, then the scope check), answers with one hand-written
statement through the plain driver (bench/raw_sql.py) and encodes with orjson. The harness
compares its answer with GraphQL's before measuring, like the baseline's. The floor checks the
signature on every request (`verify_afresh`), where the application checks a token's signature
once while its key stays published: the floor stays the full authentication work.
"""

import base64
import uuid
from collections.abc import Awaitable, Callable
from decimal import Decimal
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from auth.errors import InvalidToken
from auth.service import Authenticator, bearer_token
from auth.verify import TokenVerifier
from bench.baseline_app import FLOAT_SPECS, PAGE_SIZE, SPEC_FIELDS, SPEC_TYPENAMES
from bench.raw_search import RawSearch
from bench.raw_sql import RawDatabase, Row, Statements
from catalog.core.enums import OrgKind, ProductCategory, VettingStatus
from catalog.core.ids import to_global_id

Caller = tuple[str, str]  # (organisation id, country) of a vetted partner
RawHandler = Callable[[Request, Caller], Awaitable[Response]]


def respond(data: dict[str, Any], status: int = 200) -> Response:
    return Response(orjson.dumps(data), status_code=status, media_type="application/json")


def _uuid(value: Any) -> uuid.UUID:
    return value if isinstance(value, uuid.UUID) else uuid.UUID(str(value))


def _price(value: Any) -> str | None:
    if value is None:
        return None
    # Numeric(14, 2): SQLite hands back a number, PostgreSQL a Decimal with its scale.
    return str(value) if isinstance(value, Decimal) else f"{value:.2f}"


def _specs(category: ProductCategory, specs: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"__typename": SPEC_TYPENAMES[category]}
    for name, camel in SPEC_FIELDS[category].items():
        value = specs.get(name)
        if name in FLOAT_SPECS and value is not None:
            value = float(value)
        elif name in ("platforms", "integrations"):
            value = list(value or [])
        out[camel] = value
    return out


def product_node(row: Row) -> dict[str, Any]:
    pid, name, category, summary, entry, transfer, units, lead, price, specs = row[:10]
    maker_id, maker_name, maker_country = row[10:13]
    if isinstance(specs, str | bytes):
        specs = orjson.loads(specs)
    return {
        "id": to_global_id("Product", _uuid(pid)),
        "name": name,
        "category": category,
        "summary": summary,
        "controlEntry": entry,
        "techTransfer": transfer,
        "unitsAvailable": units,
        "leadTimeDays": lead,
        "unitPriceEur": _price(price),
        "manufacturer": {
            "id": to_global_id("Manufacturer", _uuid(maker_id)),
            "name": maker_name,
            "country": maker_country,
        },
        "specs": _specs(ProductCategory(category), specs),
    }


def name_cursor(name: str, pid: Any) -> str:
    """The application's keyset cursor for the NAME order (catalog/core/pagination.py)."""
    raw = orjson.dumps({"o": "NAME", "k": [name, _uuid(pid).hex]})
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


class RawRoutes:
    def __init__(
        self,
        db: RawDatabase,
        verifier: TokenVerifier,
        search: RawSearch,
        authenticator: Authenticator,
    ) -> None:
        self.db = db
        self.verifier = verifier
        self.sql = Statements(db)
        self.search_plan = search
        # Only to plan a search once per caller and query (bench/raw_search.py).
        self.authenticator = authenticator

    async def caller(self, request: Request, scope: str) -> Caller | Response:
        """The application's token check: signature and claims, then client, organisation and
        revocation through the same lookup (auth/client_cache.py), then the scope."""
        try:
            token = await self.verifier.verify_afresh(bearer_token(request))
        except InvalidToken as error:
            return respond({"error": error.description}, 401)
        found = await self.verifier.clients.find(token.client_id, token.jti)
        if found is None:
            return respond({"error": "the token's client does not exist"}, 401)
        client, token_revoked = found
        if token_revoked or client.revoked or str(client.org.id) != str(token.claims["org"]):
            return respond({"error": "the token has been revoked"}, 401)
        if scope not in token.scopes & client.effective_scopes:
            return respond({"error": f"{scope} required"}, 403)
        org = client.org
        if org.kind is not OrgKind.PARTNER or org.vetting is not VettingStatus.VETTED:
            return respond({"error": "the raw floor answers for vetted partners only"}, 403)
        return str(org.id), org.country

    def route(self, path: str, handler: RawHandler, scope: str = "catalog:read") -> Route:
        async def endpoint(request: Request) -> Response:
            found = await self.caller(request, scope)
            if isinstance(found, Response):
                return found
            return await handler(request, found)

        return Route(path, endpoint, methods=["POST"])

    async def typename(self, request: Request, caller: Caller) -> Response:
        return respond({"data": {"__typename": "Query"}})

    async def products(self, request: Request, caller: Caller) -> Response:
        rows = await self.db.fetch(self.sql.page, self.sql.page_args(caller[1], PAGE_SIZE + 1))
        page = rows[:PAGE_SIZE]
        edges = [{"cursor": name_cursor(r[1], r[0]), "node": product_node(r)} for r in page]
        end = edges[-1]["cursor"] if edges else None
        info = {"hasNextPage": len(rows) > PAGE_SIZE, "endCursor": end}
        return respond({"data": {"products": {"edges": edges, "pageInfo": info}}})

    async def product(self, request: Request, caller: Caller) -> Response:
        product_id: uuid.UUID = request.path_params["product_id"]
        rows = await self.db.fetch(self.sql.one, self.sql.one_args(product_id, caller[1]))
        return respond({"data": {"product": product_node(rows[0]) if rows else None}})

    async def search(self, request: Request, caller: Caller) -> Response:
        answer = await self.search_plan.answer(
            request, caller[0], self.authenticator.authenticate, self.db.fetch
        )
        return respond({"data": {"search": answer}})

    def routes(self) -> list[Route]:
        return [
            self.route("/typename", self.typename),
            self.route("/products", self.products),
            self.route("/product/{product_id:uuid}", self.product),
            self.route("/search", self.search),
        ]
