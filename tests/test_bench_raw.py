"""The benchmark's raw floor (bench/raw_app.py) answers what GraphQL answers, with the same
authentication: the harness compares them before measuring, and this holds it to that on the
demo catalogue, on SQLite and PostgreSQL."""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx

from api.settings import Settings
from bench import baseline_app
from bench.scenarios import PRODUCT_QUERY, PRODUCTS_QUERY, SEARCH_ARGS, SEARCH_QUERY
from catalog.core.db import Database
from schema.relay import parse_global_id
from tests.tokens import bearer

TokenFor = Callable[..., Awaitable[str]]


@asynccontextmanager
async def bench_server(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    app = baseline_app.app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as client:
            yield client


async def data_of(response: httpx.Response) -> dict[str, Any]:
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return {"data": body["data"]}


async def test_raw_routes_answer_what_graphql_answers(
    settings: Settings, seeded: Database, token_for: TokenFor
) -> None:
    token = await token_for("demo-partner-PL", ["catalog:read"])
    headers = bearer(token)
    async with bench_server(settings) as client:
        for query, path in (("{ __typename }", "/raw/typename"), (PRODUCTS_QUERY, "/raw/products")):
            graphql = await data_of(
                await client.post("/graphql", json={"query": query}, headers=headers)
            )
            raw = await data_of(await client.post(path, content=b"{}", headers=headers))
            assert raw == graphql
        edges = graphql["data"]["products"]["edges"]
        assert edges, "the partner sees products"
        product_id = edges[len(edges) // 2]["node"]["id"]
        parsed = parse_global_id(product_id)
        assert parsed is not None
        one = {"query": PRODUCT_QUERY, "variables": {"id": product_id}}
        graphql = await data_of(await client.post("/graphql", json=one, headers=headers))
        raw = await data_of(
            await client.post(f"/raw/product/{parsed[1]}", content=b"{}", headers=headers)
        )
        assert raw == graphql and graphql["data"]["product"] is not None
        search = {"query": SEARCH_QUERY, "variables": SEARCH_ARGS}
        graphql = await data_of(await client.post("/graphql", json=search, headers=headers))
        body = json.dumps(SEARCH_ARGS).encode()
        raw = await data_of(await client.post("/raw/search", content=body, headers=headers))
        assert raw == graphql and graphql["data"]["search"]["totalCount"] > 0


async def test_raw_routes_check_tokens(
    settings: Settings, seeded: Database, token_for: TokenFor
) -> None:
    no_scope = await token_for("demo-partner-PL", ["quotes:read"])
    async with bench_server(settings) as client:
        missing = await client.post("/raw/products", content=b"{}")
        assert missing.status_code == 401
        refused = await client.post("/raw/products", content=b"{}", headers=bearer(no_scope))
        assert refused.status_code == 403
