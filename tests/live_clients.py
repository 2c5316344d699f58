"""Subscription clients for tests: gql's WebsocketsTransport speaking graphql-transport-ws to a
live server, its results collected in a queue as they arrive."""

import asyncio
import contextlib
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

from gql import Client, GraphQLRequest
from gql.transport.websockets import WebsocketsTransport
from starlette.applications import Starlette

WAIT_SECONDS = 20.0


def ws_url(base_url: str) -> str:
    return base_url.replace("http://", "ws://", 1) + "/graphql"


def transport(base_url: str, token: str | None) -> WebsocketsTransport:
    payload = {"Authorization": f"Bearer {token}"} if token is not None else {}
    return WebsocketsTransport(
        url=ws_url(base_url),
        init_payload=payload,
        subprotocols=[WebsocketsTransport.GRAPHQLWS_SUBPROTOCOL],
    )


def close_code(error: BaseException | None) -> int | None:
    """The WebSocket close code the server sent, found along the exception's causes."""
    seen: set[int] = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        received = getattr(error, "rcvd", None)
        if received is not None:
            return int(received.code)
        if isinstance(getattr(error, "code", None), int):
            return int(error.code)  # type: ignore[attr-defined]
        error = error.__cause__ or error.__context__
    return None


@dataclass
class Subscription:
    """Results as they arrive, then the error that ended the subscription (if any)."""

    results: asyncio.Queue[dict[str, Any]] = field(default_factory=asyncio.Queue)
    ended: asyncio.Event = field(default_factory=asyncio.Event)
    error: BaseException | None = None

    async def next(self) -> dict[str, Any]:
        return await asyncio.wait_for(self.results.get(), WAIT_SECONDS)

    async def until(self) -> BaseException | None:
        """The end of the subscription, and the error that ended it."""
        await asyncio.wait_for(self.ended.wait(), WAIT_SECONDS)
        return self.error


@contextlib.asynccontextmanager
async def subscribed(
    base_url: str, token: str | None, document: str, variables: dict[str, Any] | None = None
) -> AsyncIterator[Subscription]:
    subscription = Subscription()

    async def pump() -> None:
        try:
            async with Client(transport=transport(base_url, token)) as session:
                request = GraphQLRequest(document, variable_values=variables)
                async for result in session.subscribe(request):
                    await subscription.results.put(result)
        except Exception as error:
            subscription.error = error
        finally:
            subscription.ended.set()

    task = asyncio.create_task(pump())
    try:
        yield subscription
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await task


async def wait_for_subscribers(app: Starlette, count: int) -> None:
    """Until the server's hub holds `count` subscriptions: graphql-transport-ws confirms a
    connection but not a subscription, so a test waits before it causes the first event."""
    deadline = time.monotonic() + WAIT_SECONDS
    while len(app.state.live_hub.subscribers) < count:
        assert time.monotonic() < deadline, "the subscriptions did not start"
        await asyncio.sleep(0.02)


async def subscribers_gone(app: Starlette) -> None:
    deadline = time.monotonic() + WAIT_SECONDS
    while app.state.live_hub.subscribers:
        assert time.monotonic() < deadline, "the server kept subscriptions of closed connections"
        await asyncio.sleep(0.02)
