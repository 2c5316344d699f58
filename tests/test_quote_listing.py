"""Listing quotes and cases costs the same number of statements for 1 or many rows."""

from typing import Any

import httpx

from catalog.core.db import Database
from catalog.quotes import requests as quotes
from tests.graphql import gql
from tests.quote_helpers import principal_of, product_for, quote_input
from tests.sqlcount import count_statements

QUOTES = """query($first: Int) { quoteRequests(first: $first) { totalCount edges { node {
  status product { name manufacturer { name } } partner { name }
  licensingCase { queue flags decisions { reason } } } } } }"""
CASES = """query($first: Int) { licensingCases(first: $first) { totalCount edges { node {
  queue routing { queue } quoteRequest { status product { name } partner { name } } } } } }"""


async def test_statement_count_does_not_grow_with_the_page(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    officer = await token_for("demo-licensing")
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl)
    for _ in range(6):
        await quotes.request_quote(db, pl, quote_input(product))
    for query, name in ((QUOTES, "quoteRequests"), (CASES, "licensingCases")):
        await gql(api, officer, query, {"first": 1})  # warm caches out of the count
        sizes = []
        for first in (1, 6):
            with count_statements(db) as counter:
                body = await gql(api, officer, query, {"first": first})
            assert len(body["data"][name]["edges"]) == first
            # SQLite's explicit BEGINs are not queries
            sizes.append(sum(1 for s in counter.statements if s != "BEGIN"))
        assert sizes[0] == sizes[1], sizes
        assert sizes[0] <= 10
