"""Subscriptions across API processes on PostgreSQL: an event written through one process
reaches the subscribers of every other one (outbox + LISTEN/NOTIFY, never process memory)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from auth.clients import create_client
from catalog.core.db import Database
from catalog.demo.seed import seed_demo
from tests.databases import PostgresTemplates
from tests.live_clients import Subscription, subscribed
from tests.processes import running_api
from tests.quote_graphql import request_vars, requested
from tests.quote_helpers import principal_of, product_for

ONE_ISSUER = {"ISSUER": "http://127.0.0.1:8000"}
QUOTES = "subscription { quoteRequestUpdated { id status } }"
ROUNDS = 30


@pytest.fixture
async def shared_postgres(postgres_templates: PostgresTemplates | None) -> AsyncIterator[str]:
    if postgres_templates is None:
        pytest.skip("PostgreSQL is not reachable (set REQUIRE_POSTGRES=1 to fail instead)")
    name = await postgres_templates.clone()
    url = postgres_templates.url_for(name)
    db = Database(url, pool_size=2)
    try:
        await seed_demo(db)
    finally:
        await db.dispose()
    yield url
    await postgres_templates.drop(name)


async def _token(http: httpx.AsyncClient, base_url: str, db_url: str, org: str) -> str:
    db = Database(db_url, pool_size=1)
    try:
        created = await create_client(db, org_slug=org, scopes=None, name=f"live {org}")
    finally:
        await db.dispose()
    issued = await http.post(
        f"{base_url}/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(created.client_id, created.client_secret),
    )
    assert issued.status_code == 200, issued.text
    return str(issued.json()["access_token"])


async def test_an_event_reaches_subscribers_of_other_processes(
    shared_postgres: str, tmp_path: Path
) -> None:
    """Subscribers on a server of two workers (`serve --workers 2`); quotes requested through a
    second, separate server. Since graphql-transport-ws does not confirm that a subscription
    started, quotes are requested until every subscriber has heard one."""
    db = Database(shared_postgres, pool_size=1)
    try:
        product = await product_for(db, await principal_of(db, "demo-partner-PL"))
    finally:
        await db.dispose()
    with (
        running_api(shared_postgres, tmp_path, workers=2, env=ONE_ISSUER) as listening,
        running_api(shared_postgres, tmp_path, env=ONE_ISSUER) as writing,
    ):
        async with httpx.AsyncClient(timeout=10) as http:
            token = await _token(http, writing.base_url, shared_postgres, "demo-partner-PL")
            async with contextlib.AsyncExitStack() as stack:
                subscriptions: list[Subscription] = [
                    await stack.enter_async_context(subscribed(listening.base_url, token, QUOTES))
                    for _ in range(6)
                ]
                writer = httpx.AsyncClient(base_url=writing.base_url, timeout=10)
                stack.push_async_callback(writer.aclose)
                asked: list[dict[str, Any]] = []
                for _ in range(ROUNDS):
                    asked.append(await requested(writer, token, request_vars(product.id)))
                    heard = await _heard(subscriptions)
                    if all(heard):
                        break
                assert all(heard), listening.output()
                ids = {quote["id"] for quote in asked}
                for subscription in subscriptions:
                    event = subscription.results.get_nowait()["quoteRequestUpdated"]
                    assert event["id"] in ids and event["status"] == "LICENSING_REVIEW"


async def _heard(subscriptions: list[Subscription]) -> list[bool]:
    """Whether each subscription has an event, after giving them a moment."""
    for _ in range(20):
        if all(not s.results.empty() for s in subscriptions):
            break
        await asyncio.sleep(0.05)
    return [not s.results.empty() for s in subscriptions]
