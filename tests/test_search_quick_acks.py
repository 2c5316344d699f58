"""Meilisearch answers are acknowledged at once (search/quick_acks.py): before every read the
connection is put back in quick-acknowledgement mode, which the kernel leaves on its own."""

import socket
from typing import Any

import httpcore

from search.quick_acks import QuickAckBackend, QuickAckStream

QUICKACK = (socket.IPPROTO_TCP, socket.TCP_QUICKACK, 1)  # Linux, where this service runs


class RecordingSocket:
    def __init__(self, log: list[Any]) -> None:
        self.log = log

    def setsockopt(self, level: int, name: int, value: int) -> None:
        self.log.append((level, name, value))


class FakeStream(httpcore.AsyncNetworkStream):
    """Stands in for a connected TCP stream: records what is done to it and its socket."""

    def __init__(self) -> None:
        self.log: list[Any] = []
        self.socket = RecordingSocket(self.log)

    async def read(self, max_bytes: int, timeout: float | None = None) -> bytes:  # noqa: ASYNC109
        self.log.append("read")
        return b"HTTP/1.1 200 OK\r\n"

    async def write(self, buffer: bytes, timeout: float | None = None) -> None:  # noqa: ASYNC109
        self.log.append("write")

    async def aclose(self) -> None:
        self.log.append("close")

    def get_extra_info(self, info: str) -> Any:
        return self.socket if info == "socket" else None


class FakeBackend(httpcore.AsyncNetworkBackend):
    def __init__(self) -> None:
        self.made: list[FakeStream] = []

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        self.made.append(FakeStream())
        return self.made[-1]


async def test_every_read_is_preceded_by_a_quick_acknowledgement() -> None:
    inner = FakeStream()
    stream = QuickAckStream(inner)
    await stream.write(b"POST /indexes/products/search HTTP/1.1\r\n\r\n")
    assert await stream.read(65536) == b"HTTP/1.1 200 OK\r\n"
    await stream.read(65536)
    await stream.write(b"another request")
    await stream.read(65536)
    await stream.aclose()
    assert inner.log == [
        "write",
        QUICKACK,
        "read",
        QUICKACK,
        "read",
        "write",
        QUICKACK,
        "read",
        "close",
    ]


async def test_the_backend_wraps_the_tcp_connections_it_opens() -> None:
    fake = FakeBackend()
    backend = QuickAckBackend(fake)
    stream = await backend.connect_tcp("127.0.0.1", 7700)
    assert isinstance(stream, QuickAckStream)
    await stream.read(10)
    assert fake.made[0].log == [QUICKACK, "read"]
    assert stream.get_extra_info("socket") is fake.made[0].socket
