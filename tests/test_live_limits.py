"""The limits of live updates: connections per client, token expiry without a fresh token, and
a slow consumer dropped instead of buffered (the hub's queue, as plain logic)."""

import asyncio
import json
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import websockets
from starlette.applications import Starlette
from websockets.typing import Subprotocol

from api.app import create_app
from api.settings import Settings
from catalog.core.db import Database
from catalog.core.live import LiveEvent, SlowConsumer
from notify.live import Subscriber
from tests.live import serve
from tests.live_clients import ws_url

TokenFor = Callable[..., Awaitable[str]]
PROTOCOL = Subprotocol("graphql-transport-ws")
LIFETIME = 3


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        market_env="test",
        rate_limit_capacity=10**9,
        token_lifetime_seconds=LIFETIME,
        graphql_ws_max_connections_per_client=1,
    )


@pytest.fixture
async def live(settings: Settings, seeded: Database) -> AsyncIterator[tuple[str, Starlette]]:
    app = create_app(settings)
    with serve(app) as url:
        yield url, app


async def _connect(url: str, token: str) -> websockets.ClientConnection:
    socket = await websockets.connect(ws_url(url), subprotocols=[PROTOCOL])
    init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
    await socket.send(json.dumps(init))
    return socket


async def _closed_with(socket: websockets.ClientConnection) -> int | None:
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            await asyncio.wait_for(socket.recv(), 30)
    return closed.value.rcvd.code if closed.value.rcvd is not None else None


async def test_one_client_holds_at_most_its_connections_and_expiry_ends_them(
    live: tuple[str, Starlette], token_for: TokenFor
) -> None:
    url, _ = live
    token = await token_for("demo-partner-PL")
    issued = time.monotonic()
    first = await _connect(url, token)
    assert json.loads(await first.recv()) == {"type": "connection_ack"}
    subscribe = {
        "id": "1",
        "type": "subscribe",
        "payload": {"query": "subscription { catalogueChanged { change } }"},
    }
    await first.send(json.dumps(subscribe))
    second = await _connect(url, token)
    assert await _closed_with(second) == 1008  # the client's one connection is taken
    # No fresh token in a ping: the token's expiry ends the connection.
    assert await _closed_with(first) == 4403
    assert time.monotonic() - issued >= LIFETIME - 1


async def test_a_subscriber_that_falls_behind_is_dropped() -> None:
    subscriber = Subscriber(frozenset({"product.changed"}), limit=2)
    for number in range(1, 4):
        subscriber.offer(LiveEvent(number, "product.changed", "Product", str(number)))
    subscriber.offer(LiveEvent(9, "quote.changed", "QuoteRequest", "9"))  # not its topic
    with pytest.raises(SlowConsumer):
        await subscriber.next()


async def test_a_subscriber_within_its_limit_gets_its_topics_in_order() -> None:
    subscriber = Subscriber(frozenset({"product.changed"}), limit=3)
    events = [LiveEvent(n, "product.changed", "Product", str(n)) for n in range(1, 4)]
    subscriber.offer(LiveEvent(9, "quote.changed", "QuoteRequest", "9"))
    for event in events:
        subscriber.offer(event)
    assert [await subscriber.next() for _ in events] == events


async def test_protocol_errors_close_the_connection(
    live: tuple[str, Starlette], token_for: TokenFor
) -> None:
    """Subscribing before `connection_init` is unauthorised (4401); a binary frame or a second
    `connection_init` is a protocol error (4400, 4429); a reused operation id is refused (4409)."""
    url, _ = live
    # A client of its own for each connection: this module allows one connection per client.
    async with websockets.connect(ws_url(url), subprotocols=[PROTOCOL]) as early:
        await early.send(
            json.dumps({"id": "1", "type": "subscribe", "payload": {"query": "{ me { name } }"}})
        )
        assert await _closed_with(early) == 4401
    cases: list[tuple[Any, int]] = [
        (b"\x00\x01", 4400),
        (json.dumps({"type": "connection_init", "payload": {}}), 4429),
    ]
    for frame, code in cases:
        socket = await _connect(url, await token_for("demo-partner-PL"))
        assert json.loads(await socket.recv()) == {"type": "connection_ack"}
        await socket.send(frame)
        assert await _closed_with(socket) == code
    socket = await _connect(url, await token_for("demo-partner-PL"))
    assert json.loads(await socket.recv()) == {"type": "connection_ack"}
    subscribe = {
        "id": "a",
        "type": "subscribe",
        "payload": {"query": "subscription { catalogueChanged { change } }"},
    }
    await socket.send(json.dumps(subscribe))
    await socket.send(json.dumps(subscribe))
    assert await _closed_with(socket) == 4409
