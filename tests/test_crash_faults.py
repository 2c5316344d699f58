"""The API process killed with SIGKILL in the middle of a burst of quote requests: after a
restart, every quote whose response was received exists with exactly one licensing case, no
quote exists without its case, and retrying the unanswered requests creates no duplicates."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import text

from auth.clients import create_client
from catalog.core.appender import count_pending, link_leftovers
from catalog.core.audit import verify_chain
from catalog.core.db import Database
from catalog.demo.seed import seed_demo
from tests.databases import PostgresTemplates
from tests.processes import ApiProcess, start_api
from tests.tokens import bearer

ONE_ISSUER = {"ISSUER": "http://127.0.0.1:8000"}
BURST = 30
KILL_AFTER_ANSWERS = 5
PRODUCTS = "{ products(first: 1) { edges { node { id } } } }"
REQUEST = """mutation($input: RequestQuoteInput!) { requestQuote(input: $input) {
  quoteRequest { id status licensingCase { id } } errors { code message } } }"""
CASES_PER_QUOTE = """
SELECT q.idempotency_key, count(c.id) AS cases
FROM quote_request q LEFT JOIN licensing_case c ON c.quote_request_id = q.id
GROUP BY q.id, q.idempotency_key
"""
AUDITED_QUOTES = """
SELECT q.idempotency_key, count(a.id) AS events
FROM quote_request q LEFT JOIN audit_event a
  ON a.entity_id = CAST(q.id AS VARCHAR(64)) AND a.action = 'quote.requested'
GROUP BY q.id, q.idempotency_key
"""


@pytest.fixture
async def quote_database(
    postgres_templates: PostgresTemplates | None,
) -> AsyncIterator[tuple[Database, str]]:
    if postgres_templates is None:
        pytest.skip("PostgreSQL is not reachable (set REQUIRE_POSTGRES=1 to fail instead)")
    name = await postgres_templates.clone()
    url = postgres_templates.url_for(name)
    db = Database(url, pool_size=2)
    await seed_demo(db)
    yield db, url
    await db.dispose()
    await postgres_templates.drop(name)


def _input(product_id: str, key: str) -> dict[str, Any]:
    return {
        "productId": product_id,
        "quantity": 4,
        "deliveryCountry": "PL",
        "endUser": "Polish Armed Forces",
        "endUse": "Harbour protection",
        "idempotencyKey": key,
    }


async def _request(http: httpx.AsyncClient, base: str, token: str, body: dict) -> str | None:
    """The quote id if the quote was confirmed; None when the connection died first or the
    burst outran the connection pool (503: a clear refusal, retried below like the rest)."""
    try:
        answer = await http.post(
            f"{base}/graphql",
            json={"query": REQUEST, "variables": {"input": body}},
            headers=bearer(token),
        )
    except httpx.TransportError:
        return None
    if answer.status_code == 503:
        assert answer.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
        return None
    assert answer.status_code == 200, answer.text
    payload = answer.json()["data"]["requestQuote"]
    assert payload["errors"] == [], payload
    assert payload["quoteRequest"]["licensingCase"]["id"]
    return str(payload["quoteRequest"]["id"])


async def _burst_then_kill(
    api: ApiProcess, token: str, product_id: str, keys: list[str]
) -> dict[str, str | None]:
    answered = asyncio.Event()
    count = 0
    limits = httpx.Limits(max_connections=BURST)

    async with httpx.AsyncClient(timeout=30, limits=limits) as http:

        async def one(key: str) -> str | None:
            nonlocal count
            result = await _request(http, api.base_url, token, _input(product_id, key))
            count += result is not None
            if count >= KILL_AFTER_ANSWERS:
                answered.set()
            return result

        tasks = [asyncio.create_task(one(key)) for key in keys]
        await asyncio.wait_for(answered.wait(), timeout=60)
        await asyncio.to_thread(api.kill)
        results = await asyncio.gather(*tasks)
    return dict(zip(keys, results, strict=True))


async def test_sigkill_during_quote_burst_leaves_no_quote_without_case(
    quote_database: tuple[Database, str], tmp_path: Path
) -> None:
    db, url = quote_database
    created = await create_client(db, org_slug="demo-partner-PL", scopes=None, name="crash")
    api = await asyncio.to_thread(start_api, url, tmp_path, env=ONE_ISSUER)
    try:
        async with httpx.AsyncClient(timeout=30) as http:
            issued = await http.post(
                f"{api.base_url}/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(created.client_id, created.client_secret),
            )
            token = issued.json()["access_token"]
            page = await http.post(
                f"{api.base_url}/graphql", json={"query": PRODUCTS}, headers=bearer(token)
            )
            product_id = page.json()["data"]["products"]["edges"][0]["node"]["id"]
        keys = [f"crash-{uuid.uuid4().hex}" for _ in range(BURST)]
        before = await _burst_then_kill(api, token, product_id, keys)
    finally:
        await asyncio.to_thread(api.stop)
    assert api.process.returncode == -9
    received = {key: quote for key, quote in before.items() if quote is not None}
    assert len(received) >= KILL_AFTER_ANSWERS

    restarted = await asyncio.to_thread(start_api, url, tmp_path, env=ONE_ISSUER)
    try:
        async with db.read() as session:
            rows = (await session.execute(text(CASES_PER_QUOTE))).all()
        cases = {row.idempotency_key: row.cases for row in rows}
        assert all(count == 1 for count in cases.values()), cases  # no quote without its case
        assert set(received) <= set(cases)  # every answered quote survived the kill

        # Retrying every request after the restart creates nothing twice.
        async with httpx.AsyncClient(timeout=30) as http:
            after = {
                key: await _request(http, restarted.base_url, token, _input(product_id, key))
                for key in keys
            }
        assert all(after[key] == quote for key, quote in received.items())
        async with db.read() as session:
            rows = (await session.execute(text(CASES_PER_QUOTE))).all()
        assert sorted(row.idempotency_key for row in rows) == sorted(keys)
        assert all(row.cases == 1 for row in rows)

        # No audit event was lost: what the killed process committed and had not linked yet
        # is linked by the next run (here the worker's), once.
        await link_leftovers(db, older_than=timedelta(0))
        async with db.read() as session:
            chain = await verify_chain(session)
            audited = (await session.execute(text(AUDITED_QUOTES))).all()
        assert chain.ok and await count_pending(db) == 0
        assert sorted(key for key, _ in audited) == sorted(keys)
        assert all(events == 1 for _, events in audited), audited
    finally:
        await asyncio.to_thread(restarted.stop)
