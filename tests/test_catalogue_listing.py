"""Listing: keyset pagination, ordering, filters, limits and a constant number of SQL statements."""

from typing import Any

import httpx

from catalog.core.db import Database
from catalog.demo.seed import seed_demo
from tests.graphql import error_codes, gql
from tests.sqlcount import count_statements

PAGE = """
query($first: Int, $after: String, $order: ProductOrder!, $filter: ProductFilter) {
  products(first: $first, after: $after, orderBy: $order, filter: $filter) {
    edges { cursor node { id name unitsAvailable createdAt } }
    pageInfo { hasNextPage endCursor }
  }
}"""


async def _walk(api: httpx.AsyncClient, token: str, order: str, size: int) -> list[dict[str, Any]]:
    seen: list[dict[str, Any]] = []
    after = None
    while True:
        body = await gql(api, token, PAGE, {"first": size, "after": after, "order": order})
        connection = body["data"]["products"]
        seen += [edge["node"] for edge in connection["edges"]]
        if not connection["pageInfo"]["hasNextPage"]:
            return seen
        after = connection["pageInfo"]["endCursor"]


async def test_keyset_pages_cover_everything_once_in_order(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    await seed_demo(db)
    curator = await token_for("demo-curator")
    everything = await _walk(api, curator, "NAME", 100)
    assert len(everything) == 30
    for order, key, reverse in (
        ("NAME", "name", False),
        ("NEWEST", "createdAt", True),
        ("UNITS_AVAILABLE", "unitsAvailable", True),
    ):
        paged = await _walk(api, curator, order, 7)
        assert sorted(p["id"] for p in paged) == sorted(p["id"] for p in everything)
        values = [p[key] for p in paged]
        assert values == sorted(values, reverse=reverse), order


async def test_filters(api: httpx.AsyncClient, db: Database, token_for: Any) -> None:
    await seed_demo(db)
    pl = await token_for("demo-partner-PL")
    query = """query($filter: ProductFilter) { products(first: 100, filter: $filter)
      { totalCount edges { node {
        category controlEntry techTransfer unitsAvailable name summary } } } }"""
    naval = await gql(api, pl, query, {"filter": {"category": "NAVAL_DRONE"}})
    nodes = [e["node"] for e in naval["data"]["products"]["edges"]]
    assert nodes and {n["category"] for n in nodes} == {"NAVAL_DRONE"}
    assert naval["data"]["products"]["totalCount"] == len(nodes)
    ml21 = await gql(api, pl, query, {"filter": {"controlEntryPrefix": "ml21"}})
    assert all(
        e["node"]["controlEntry"].startswith("ML21") for e in ml21["data"]["products"]["edges"]
    )
    many = await gql(api, pl, query, {"filter": {"minUnitsAvailable": 100}})
    assert all(e["node"]["unitsAvailable"] >= 100 for e in many["data"]["products"]["edges"])
    text = await gql(api, pl, query, {"filter": {"text": "naval"}})
    for edge in text["data"]["products"]["edges"]:
        assert "naval" in (edge["node"]["name"] + edge["node"]["summary"]).lower()


async def test_page_size_and_cursor_are_validated(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    pl = await token_for("demo-partner-PL") if await _seeded(db) else None
    assert pl
    for bad in ({"first": 101}, {"first": 0}, {"first": -1}, {"after": "not-a-cursor"}):
        body = await gql(api, pl, PAGE, {"order": "NAME", "first": 10, **bad}, expect_errors=True)
        assert error_codes(body) == ["BAD_USER_INPUT"], bad


async def _seeded(db: Database) -> bool:
    await seed_demo(db)
    return True


async def _statements(
    api: httpx.AsyncClient, db: Database, token: str, query: str, first: int
) -> int:
    with count_statements(db) as counter:
        await gql(api, token, query, {"first": first})
    return counter.count


async def test_statement_count_does_not_grow_with_the_page(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    await seed_demo(db)
    curator = await token_for("demo-curator")
    products = """query($first: Int) { products(first: $first) { totalCount edges { node {
        name manufacturer { name } releases { country } specs { __typename } } } } }"""
    nested = """query($first: Int) { manufacturers(first: $first) {
        name products(first: 5) { name manufacturer { name } releases { country } } } }"""
    for query in (products, nested):
        await gql(api, curator, query, {"first": 1})  # warm caches (signing keys) out of the count
        small = await _statements(api, db, curator, query, 1)
        large = await _statements(api, db, curator, query, 100)
        assert small == large, (small, large)
        assert small <= 12
