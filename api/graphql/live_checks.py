"""What the live connections of one API process share: token checks, DataLoaders and
serialised results per event, and the sweeper that checks idle connections again."""

import asyncio
import contextlib
import json
import time
from typing import Any, Protocol

from strawberry.types.execution import ExecutionResult

from auth.service import Authenticator
from catalog.core.principal import Principal


class Watched(Protocol):
    """An open connection, as the sweeper sees it."""

    @property
    def closed(self) -> bool: ...

    def due(self, now: float, every: float) -> bool: ...

    async def recheck(self, event_id: int | None) -> Principal: ...


class AccessEnded(Exception):
    """The connection was closed because its caller may no longer read."""


class TokenChecks:
    """Token checks shared by the connections of this process: an event re-checks each token
    once, however many subscriptions hold it (they ask at the same moment, so the check in
    flight is what they share)."""

    def __init__(self, authenticator: Authenticator) -> None:
        self.authenticator = authenticator
        self.event_id = -1
        self.checks: dict[str, asyncio.Future[Principal]] = {}

    async def check(self, token: str, event_id: int | None) -> Principal:
        """The token's caller as it is now; `InvalidToken` when it no longer may."""
        if event_id is None:
            return await self.authenticator.authenticate_token(token)
        if event_id != self.event_id:
            self.event_id, self.checks = event_id, {}
        check = self.checks.get(token)
        if check is None:
            check = asyncio.ensure_future(self.authenticator.authenticate_token(token))
            self.checks[token] = check
        return await asyncio.shield(check)


class SharedLoaders:
    """The DataLoaders of one event, shared by the subscriptions of equal callers: a thousand
    subscriptions of one client then read a changed quote once, not a thousand times."""

    def __init__(self) -> None:
        self.event_id = -1
        self.by_caller: dict[Principal, dict[str, Any]] = {}

    def of(self, event_id: int, principal: Principal) -> dict[str, Any]:
        if event_id != self.event_id:
            self.event_id, self.by_caller = event_id, {}
        return self.by_caller.setdefault(principal, {})


class Sweeper:
    """Between events, the access of every open connection of this process is checked again at
    least every `every` seconds and when its token expires: one task for all connections (not
    one each), one token check per token and round."""

    TICK_SECONDS = 1.0

    def __init__(self, every: float) -> None:
        self.every = every
        self.connections: set[Watched] = set()
        self.task: asyncio.Task[None] | None = None
        self.round = 0

    def watch(self, connection: Watched) -> None:
        self.connections.add(connection)
        if self.task is None or self.task.done():
            self.task = asyncio.create_task(self._run(), name="live-sweeper")

    def forget(self, connection: Watched) -> None:
        self.connections.discard(connection)

    async def close(self) -> None:
        if self.task is not None:
            self.task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self.task

    async def _run(self) -> None:
        while self.connections:
            await asyncio.sleep(self.TICK_SECONDS)
            now = time.time()
            due = [c for c in self.connections if not c.closed and c.due(now, self.every)]
            if due:
                # A round is shared like an event (negative numbers: never an event's id).
                self.round -= 1
                await asyncio.gather(*(self._check(c, self.round) for c in due))

    @staticmethod
    async def _check(connection: Watched, round_id: int) -> None:
        with contextlib.suppress(AccessEnded):
            await connection.recheck(round_id)


class Payloads:
    """`next` payloads as JSON, serialised once for the subscriptions that share a result (they
    share its `data`, schema/live/execution.py)."""

    KEPT = 64

    def __init__(self) -> None:
        self.recent: dict[int, tuple[Any, str]] = {}

    def text(self, result: ExecutionResult) -> str:
        if result.errors or result.data is None:
            return json.dumps(formatted(result), default=str)
        found = self.recent.get(id(result.data))
        if found is None:
            if len(self.recent) >= self.KEPT:
                self.recent.clear()
            # The data is kept with its text, so that its id stays its own meanwhile.
            found = self.recent[id(result.data)] = (
                result.data,
                json.dumps(formatted(result), default=str),
            )
        return found[1]


def formatted(result: ExecutionResult) -> dict[str, Any]:
    payload: dict[str, Any] = {"data": result.data}
    if result.errors:
        payload["errors"] = [error.formatted for error in result.errors]
    return payload
