"""Scenario 5: `requestQuote`, each quote routed over the 200 rules into a licensing case.

Every request carries a fresh idempotency key (a keyed variant, bench/wrk_keyed.lua); the
key is also sent as the quote's notes, which the partner reads back, so that each answer
names the request it answers. After each run the quotes and cases the run added are counted
in the database and must equal the successful answers (bench/ledger.py).
"""

import asyncio
import json
from datetime import timedelta
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import create_async_engine
from sqlalchemy.pool import NullPool

from bench import vocabulary as words
from bench.dataset import analyze
from bench.scenarios import (
    KEY_PLACEHOLDER,
    Scenario,
    ScenarioContext,
    Variant,
    WriteCheck,
    graphql_body,
    register,
)
from catalog.core.db import Database
from catalog.models.base import utcnow

QUANTITY = 1
COUNT_ROWS = (
    "SELECT (SELECT count(*) FROM quote_request) AS quotes,"
    " (SELECT count(*) FROM licensing_case) AS cases"
)
REQUEST_QUOTE = (
    "mutation RequestQuote($input: RequestQuoteInput!) {"
    " requestQuote(input: $input) {"
    " quoteRequest { id status notes licensingCase { id queue status } }"
    " errors { field message code } } }"
)


def quote_input(ctx: ScenarioContext) -> dict[str, Any]:
    """The mutation's input; KEY_PLACEHOLDER becomes each request's key."""
    if not ctx.quotable_product_id:
        raise RuntimeError("the benchmark partner sees no product with units available")
    required_by = utcnow().date() + timedelta(days=180)
    return {
        "productId": ctx.quotable_product_id,
        "quantity": QUANTITY,
        "deliveryCountry": ctx.partner_country,
        "endUser": f"{words.country_name(ctx.partner_country)} Armed Forces",
        "endUse": "Equipping territorial defence units for perimeter security and training.",
        "coProduction": False,
        "requiredBy": required_by.isoformat(),
        "notes": KEY_PLACEHOLDER,
        "idempotencyKey": KEY_PLACEHOLDER,
    }


def essentials(doc: dict[str, Any]) -> dict[str, Any]:
    """What both variants must agree on: ids and keys differ between requests by design."""
    payload = doc["data"]["requestQuote"]
    quote = payload["quoteRequest"]
    case = quote and quote["licensingCase"]
    return {
        "errors": payload["errors"],
        "status": quote and quote["status"],
        "case": case
        and {"exists": bool(case["id"]), "queue": case["queue"], "status": case["status"]},
    }


def _quotes(ctx: ScenarioContext) -> list[Variant]:
    given = quote_input(ctx)
    return [
        Variant(
            "graphql",
            "/graphql",
            graphql_body(REQUEST_QUOTE, {"input": given}),
            extract=essentials,
            keyed=True,
        ),
        Variant(
            "baseline",
            "/baseline/request-quote",
            json.dumps(given).encode(),
            extract=essentials,
            keyed=True,
        ),
    ]


async def _count_rows(url: str) -> dict[str, int]:
    engine = create_async_engine(url, poolclass=NullPool)
    try:
        async with engine.connect() as conn:
            # One statement, so both counts come from the same snapshot.
            row = (await conn.execute(text(COUNT_ROWS))).one()
    finally:
        await engine.dispose()
    return {"quotes": int(row.quotes), "cases": int(row.cases)}


def count_rows(ctx: ScenarioContext) -> dict[str, int]:
    """Straight from the database, not through the server under test."""
    return asyncio.run(_count_rows(ctx.database_url))


async def _maintain(url: str) -> None:
    db = Database(url)
    try:
        await analyze(db)
    finally:
        await db.dispose()


def maintain(ctx: ScenarioContext) -> None:
    """After a run, what autovacuum does in production: each run adds some 600 quotes, and
    with the statistics of the tables as loaded PostgreSQL's planner looks a quote's
    idempotency key up through the partner's listing index (every quote of the partner)
    instead of the unique one, so each run was slower than the one before."""
    asyncio.run(_maintain(ctx.database_url))


QUOTES = register(
    Scenario(
        "quotes",
        "5. requestQuote routed over 200 rules vs the same domain call",
        _quotes,
        scopes=("quotes:request", "quotes:read"),
        writes=WriteCheck(count_rows, after_run=maintain),
    )
)
