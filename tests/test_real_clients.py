"""Real GraphQL clients against a real server on 127.0.0.1: Python's `gql` (httpx transport)
and JavaScript's `graphql-request`, each running a query and a mutation with variables."""

import json
from collections.abc import Awaitable, Callable
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.httpx import HTTPXAsyncTransport
from sqlalchemy import func, select

from catalog.core.db import Database
from catalog.models import Product
from tests.node import run_node_script

TokenFor = Callable[..., Awaitable[str]]

PRODUCTS = """
query Products($first: Int!, $category: ProductCategory) {
  products(first: $first, filter: {category: $category}) {
    totalCount
    edges { node { id name category } }
  }
}"""
CREATE = """
mutation Create($input: CreateProductInput!) {
  createProduct(input: $input) { product { id name status } errors { field code message } }
}"""


def new_product(name: str) -> dict[str, Any]:
    return {
        "name": name,
        "category": "NAVAL_DRONE",
        "summary": "Uncrewed surface vessel for coastal patrol and strike.",
        "controlEntry": "ML9.a",
        "techTransfer": "NONE",
        "unitsAvailable": 12,
        "specs": {"navalDrone": {"rangeKm": 800, "hull": "SURFACE"}},
    }


async def product_named(db: Database, name: str) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).where(Product.name == name)) or 0)


def check_results(listed: dict[str, Any], created: dict[str, Any], name: str) -> None:
    nodes = [edge["node"] for edge in listed["products"]["edges"]]
    assert nodes, "the demo catalogue lists naval drones to its own manufacturer"
    assert {node["category"] for node in nodes} == {"NAVAL_DRONE"}
    assert listed["products"]["totalCount"] >= len(nodes)
    assert created["createProduct"]["errors"] == []
    assert created["createProduct"]["product"]["name"] == name
    assert created["createProduct"]["product"]["status"] == "DRAFT"


async def test_real_clients(live_url: str, token_for: TokenFor, seeded: Database) -> None:
    """Both clients against one live server per backend."""
    token = await token_for("demo-manufacturer-4")
    await python_gql_client(live_url, token, seeded)
    await javascript_graphql_request_client(live_url, token, seeded)


async def python_gql_client(live_url: str, token: str, seeded: Database) -> None:
    transport = HTTPXAsyncTransport(
        url=f"{live_url}/graphql", headers={"Authorization": f"Bearer {token}"}
    )
    name = "Magura-gql Patrol Vessel"
    async with Client(transport=transport) as session:
        listed = await session.execute(
            GraphQLRequest(PRODUCTS, variable_values={"first": 5, "category": "NAVAL_DRONE"})
        )
        created = await session.execute(
            GraphQLRequest(CREATE, variable_values={"input": new_product(name)})
        )
    check_results(listed, created, name)
    assert await product_named(seeded, name) == 1


async def javascript_graphql_request_client(live_url: str, token: str, seeded: Database) -> None:
    name = "Magura-js Patrol Vessel"
    result = await run_node_script(
        "client.mjs",
        GRAPHQL_URL=f"{live_url}/graphql",
        GRAPHQL_TOKEN=token,
        PRODUCT_INPUT=json.dumps(new_product(name)),
    )
    check_results(result["listed"], result["created"], name)
    assert await product_named(seeded, name) == 1
