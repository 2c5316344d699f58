"""HTTP connections to Meilisearch that acknowledge what they receive at once.

Over a kept-alive connection Linux delays the acknowledgement of received data (up to 40 ms),
expecting to send it along with the next request. Meilisearch writes an answer of more than a
few kilobytes (a search with its facet counts) in two parts, and holds the second until the
first is acknowledged (Nagle's algorithm). Each such search waited for the delayed
acknowledgement: 44 ms for an answer of 6 kB that Meilisearch made in under 1 ms, 2.8 ms once
the client acknowledges at once. `TCP_QUICKACK` does that, but the kernel leaves quick mode
again as the connection goes on, so it is set before every read. Elsewhere than Linux the
connections are httpx's own.
"""

import socket
from typing import Any

import httpcore
import httpx

_QUICKACK: int | None = getattr(socket, "TCP_QUICKACK", None)


class QuickAckStream(httpcore.AsyncNetworkStream):
    def __init__(self, inner: httpcore.AsyncNetworkStream) -> None:
        self._inner = inner
        self._socket: socket.socket | None = inner.get_extra_info("socket")

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109 - httpcore's signature
        if self._socket is not None and _QUICKACK is not None:
            self._socket.setsockopt(socket.IPPROTO_TCP, _QUICKACK, 1)
        return await self._inner.read(max_bytes, timeout)

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        await self._inner.write(buffer, timeout)

    async def aclose(self) -> None:
        await self._inner.aclose()

    async def start_tls(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return QuickAckStream(await self._inner.start_tls(*args, **kwargs))

    def get_extra_info(self, info: str) -> Any:
        return self._inner.get_extra_info(info)


class QuickAckBackend(httpcore.AsyncNetworkBackend):
    """TCP connections as `QuickAckStream`s; Unix sockets as they are (no acknowledgements)."""

    def __init__(self, inner: httpcore.AsyncNetworkBackend | None = None) -> None:
        self._inner = inner or httpcore.AnyIOBackend()

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return QuickAckStream(await self._inner.connect_tcp(*args, **kwargs))

    async def connect_unix_socket(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        return await self._inner.connect_unix_socket(*args, **kwargs)

    async def sleep(self, seconds: float) -> None:
        await self._inner.sleep(seconds)


class QuickAckTransport(httpx.AsyncHTTPTransport):
    """httpx's own transport (its request and error mapping) over a pool of quick-acknowledging
    connections. httpx takes no network backend, so its pool is made again with one, with
    httpx's default limits."""

    def __init__(self) -> None:
        super().__init__()
        if _QUICKACK is None:
            return
        limits = httpx.Limits(max_connections=100, max_keepalive_connections=20, keepalive_expiry=5)
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),
            max_connections=limits.max_connections,
            max_keepalive_connections=limits.max_keepalive_connections,
            keepalive_expiry=limits.keepalive_expiry,
            network_backend=QuickAckBackend(),
        )
