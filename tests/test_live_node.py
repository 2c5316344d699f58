"""The `graphql-ws` npm client (graphql-transport-ws, Node) against a live server: refused with
4401 without a token, then following a partner's quote to LICENSED through four-eyes."""

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from catalog.core.db import Database
from catalog.core.enums import TechTransfer
from tests.graphql import gql
from tests.live import serve
from tests.live_clients import wait_for_subscribers, ws_url
from tests.node import run_node_script
from tests.quote_graphql import DECIDE, request_vars, requested
from tests.quote_helpers import principal_of, product_for

TokenFor = Callable[..., Awaitable[str]]


@pytest.fixture
async def live(settings: Settings, seeded: Database) -> AsyncIterator[tuple[str, Starlette]]:
    app = create_app(settings)
    with serve(app) as url:
        yield url, app


def _has_lines(path: Path) -> bool:
    return path.exists() and bool(path.read_text().strip())


async def _first_event(events: Path) -> None:
    """Until the client has heard of the new quote (then the officers decide)."""
    deadline = time.monotonic() + 20
    while not await asyncio.to_thread(_has_lines, events):
        assert time.monotonic() < deadline, "the node client heard nothing"
        await asyncio.sleep(0.05)


async def test_graphql_ws_client_follows_a_quote(
    live: tuple[str, Starlette],
    api: httpx.AsyncClient,
    db: Database,
    token_for: TokenFor,
    tmp_path: Path,
) -> None:
    url, app = live
    partner = await token_for("demo-partner-PL")
    officers = [await token_for("demo-licensing"), await token_for("demo-licensing")]
    product = await product_for(
        db, await principal_of(db, "demo-partner-PL"), tech_transfer=TechTransfer.MAINTENANCE
    )
    node = asyncio.create_task(
        run_node_script(
            "live.mjs",
            GRAPHQL_WS_URL=ws_url(url),
            GRAPHQL_TOKEN=partner,
            STOP_STATUS="LICENSED",
            EVENTS_FILE=str(tmp_path / "events.jsonl"),
        )
    )
    await wait_for_subscribers(app, 1)
    quote = await requested(api, partner, request_vars(product.id))
    await _first_event(tmp_path / "events.jsonl")
    for officer in officers:
        variables = {
            "input": {
                "caseId": quote["licensingCase"]["id"],
                "decision": "APPROVE",
                "reason": "checked",
            }
        }
        decided = (await gql(api, officer, DECIDE, variables))["data"]["decideCase"]
        assert decided["errors"] == []
    result = await node
    assert result["unauthenticated"] == 4401
    statuses = [event["status"] for event in result["events"]]
    assert {event["id"] for event in result["events"]} == {quote["id"]}
    assert statuses[0] == "LICENSING_REVIEW" and statuses[-1] == "LICENSED"
