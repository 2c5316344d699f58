"""Bounded keep-alive connections, so that load spreads again after an API worker restarts.

`market serve --workers N` has the kernel hand each new connection to one of N processes; a
keep-alive connection then stays with that process for as long as the client keeps it open.
When a worker dies, its clients reconnect to the survivors, and without a bound they stay
there: the replacement worker idles while the others carry everything. Here each connection
is answered with `Connection: close` once it has carried `max_requests` requests or has been
open `max_seconds`; the client opens a new one, which any worker may accept.

Connections are told apart by the client's address and port (ASGI names no connection).
Behind a proxy whose `X-Forwarded-For` uvicorn applies the port is 0 and the proxy's own
connection pool decides (see docs/deployment.md): such requests pass untouched.
"""

import time
from collections.abc import Callable
from dataclasses import dataclass

from starlette.types import ASGIApp, Message, Receive, Scope, Send

# uvicorn closes a connection idle this long (its `timeout_keep_alive`, which `market serve`
# sets to the same value): an address seen again after a longer pause is a new connection.
IDLE_SECONDS = 5.0


@dataclass
class _Connection:
    opened: float
    last: float
    requests: int = 0


class ConnectionLifetime:
    def __init__(
        self,
        app: ASGIApp,
        *,
        max_requests: int,
        max_seconds: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.app = app
        self.max_requests = max_requests
        self.max_seconds = max_seconds
        self.clock = clock
        self.connections: dict[tuple[str, int], _Connection] = {}
        self._pruned = 0.0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client") if scope["type"] == "http" else None
        bounded = self.max_requests > 0 or self.max_seconds > 0
        if not bounded or not client or not client[1]:
            await self.app(scope, receive, send)
            return
        if not self._last_request(client[0], int(client[1])):
            await self.app(scope, receive, send)
            return

        async def send_closing(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (name, value)
                    for name, value in message.get("headers", [])
                    if name.lower() != b"connection"
                ]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, send_closing)

    def _last_request(self, host: str, port: int) -> bool:
        """Count a request on the connection; True when it should be the connection's last."""
        now = self.clock()
        self._forget_idle(now)
        key = (host, port)
        connection = self.connections.get(key)
        if connection is None or now - connection.last > IDLE_SECONDS:
            connection = self.connections[key] = _Connection(opened=now, last=now)
        connection.requests += 1
        connection.last = now
        last = (0 < self.max_requests <= connection.requests) or (
            0 < self.max_seconds <= now - connection.opened
        )
        if last:
            del self.connections[key]
        return last

    def _forget_idle(self, now: float) -> None:
        """Drop connections the server has closed by now (at most once a second)."""
        if now - self._pruned < 1.0:
            return
        self._pruned = now
        for key in [k for k, c in self.connections.items() if now - c.last > IDLE_SECONDS]:
            del self.connections[key]
