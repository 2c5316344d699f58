"""Keep-alive connections are bounded (api/keepalive.py): after HTTP_KEEPALIVE_MAX_REQUESTS
requests or HTTP_KEEPALIVE_MAX_SECONDS, the answer says `Connection: close` and the server
closes the connection, so clients reconnect and spread over the API workers again."""

import socket

from starlette.types import Message, Receive, Scope, Send

from api.app import create_app
from api.keepalive import IDLE_SECONDS, ConnectionLifetime
from api.settings import Settings
from tests.databases import SqliteTemplates
from tests.live import serve


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


async def _ok(scope: Scope, receive: Receive, send: Send) -> None:
    headers = [(b"content-type", b"text/plain"), (b"connection", b"keep-alive")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    await send({"type": "http.response.body", "body": b"ok"})


async def _connection_header(app: ConnectionLifetime, client: tuple[str, int]) -> str | None:
    sent: list[Message] = []

    async def receive() -> Message:
        return {"type": "http.request", "body": b""}

    async def send(message: Message) -> None:
        sent.append(message)

    await app({"type": "http", "client": client, "headers": []}, receive, send)
    values = [v.decode() for k, v in sent[0]["headers"] if k.lower() == b"connection"]
    assert len(values) == 1
    return values[0]


async def test_the_last_request_on_a_connection_is_answered_with_connection_close() -> None:
    app = ConnectionLifetime(_ok, max_requests=3, max_seconds=0, clock=Clock())
    one, other = ("10.0.0.1", 5000), ("10.0.0.1", 5001)
    answers = [await _connection_header(app, one) for _ in range(3)]
    assert answers == ["keep-alive", "keep-alive", "close"]
    assert await _connection_header(app, other) == "keep-alive"  # counted on its own
    # The client's next connection may get the same port again: it starts a new count.
    assert await _connection_header(app, one) == "keep-alive"


async def test_a_connection_open_longer_than_the_bound_is_closed() -> None:
    clock = Clock()
    app = ConnectionLifetime(_ok, max_requests=0, max_seconds=60, clock=clock)
    client = ("10.0.0.1", 5000)
    assert await _connection_header(app, client) == "keep-alive"
    for _ in range(14):  # busy: never idle long enough for the server to close it
        clock.now += 4
        assert await _connection_header(app, client) == "keep-alive"
    clock.now += 4  # 60 s after its first request
    assert await _connection_header(app, client) == "close"


async def test_an_address_seen_again_after_the_idle_timeout_is_a_new_connection() -> None:
    clock = Clock()
    app = ConnectionLifetime(_ok, max_requests=2, max_seconds=0, clock=clock)
    client = ("10.0.0.1", 5000)
    assert await _connection_header(app, client) == "keep-alive"
    clock.now += IDLE_SECONDS + 1  # the server closed the idle connection meanwhile
    assert await _connection_header(app, client) == "keep-alive"
    assert await _connection_header(app, client) == "close"
    clock.now += 3600
    await _connection_header(app, ("10.0.0.2", 1))
    assert list(app.connections) == [("10.0.0.2", 1)]  # forgotten, not kept forever


async def test_no_bound_or_no_known_connection_leaves_answers_alone() -> None:
    unbounded = ConnectionLifetime(_ok, max_requests=0, max_seconds=0, clock=Clock())
    behind_proxy = ConnectionLifetime(_ok, max_requests=1, max_seconds=1, clock=Clock())
    for _ in range(3):
        assert await _connection_header(unbounded, ("10.0.0.1", 5000)) == "keep-alive"
        # uvicorn's X-Forwarded-For handling leaves port 0: the proxy's pool decides.
        assert await _connection_header(behind_proxy, ("203.0.113.9", 0)) == "keep-alive"


def _request(sock: socket.socket) -> bytes:
    sock.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
    data = b""
    while b"\r\n\r\n" not in data or not data.endswith(b'{"status":"ok"}'):
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    return data


def test_a_real_server_closes_the_connection_after_its_last_request(
    sqlite_templates: SqliteTemplates,
) -> None:
    settings = Settings(
        database_url=sqlite_templates.url_for(sqlite_templates.clone()),
        market_env="test",
        http_keepalive_max_requests=3,
    )
    with serve(create_app(settings)) as base:
        port = int(base.rsplit(":", 1)[1])
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            answers = [_request(sock) for _ in range(3)]
            closed = sock.recv(1) == b""  # the server hung up after the third answer
    assert all(answer.startswith(b"HTTP/1.1 200") for answer in answers), answers
    assert [b"connection: close" in answer.lower() for answer in answers] == [False, False, True]
    assert closed
