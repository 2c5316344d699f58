"""The OAuth endpoints under attack: oversized bodies, secret guessing, malformed and doubled
client credentials."""

import asyncio
import base64
import socket
from collections.abc import AsyncIterator
from urllib.parse import urlsplit

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from auth.clients import CreatedClient, create_client
from catalog.core.db import Database
from tests.live import serve

GRANT = {"grant_type": "client_credentials"}
OAUTH_PATHS = ["/oauth/token", "/oauth/introspect", "/oauth/revoke"]
LIMIT = 16 * 1024


async def client_for(db: Database, slug: str = "demo-partner-DE") -> CreatedClient:
    return await create_client(db, org_slug=slug, scopes=None, name=f"test {slug}")


# ---------------------------------------------------------------- bodies over the limit


class CountingBody:
    """A request body of `total` bytes that counts how much of it the server pulled."""

    def __init__(self, total: int, chunk: int = 4096) -> None:
        self.total, self.chunk, self.pulled = total, chunk, 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while self.pulled < self.total:
            self.pulled += self.chunk
            yield b"a" * self.chunk


@pytest.mark.parametrize("path", OAUTH_PATHS)
async def test_a_declared_oversized_body_is_refused_unread(
    api: httpx.AsyncClient, seeded: Database, path: str
) -> None:
    client = await client_for(seeded)
    body = CountingBody(100 * 1024 * 1024)
    response = await api.post(
        path,
        content=body,
        auth=(client.client_id, client.client_secret),
        headers={
            "Content-Type": "application/x-www-form-urlencoded",
            "Content-Length": str(body.total),
        },
    )
    assert response.status_code == 413, response.text
    assert response.json()["error"] == "invalid_request"
    assert body.pulled == 0  # refused on the header alone


@pytest.mark.parametrize("path", OAUTH_PATHS)
async def test_a_streamed_oversized_body_is_refused_while_it_arrives(
    api: httpx.AsyncClient, seeded: Database, path: str
) -> None:
    client = await client_for(seeded)
    body = CountingBody(100 * 1024 * 1024)  # no Content-Length: sent chunked
    response = await api.post(
        path,
        content=body,
        auth=(client.client_id, client.client_secret),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413, response.text
    assert body.pulled <= LIMIT + 2 * body.chunk


async def test_a_body_at_the_limit_is_still_read(api: httpx.AsyncClient, seeded: Database) -> None:
    client = await client_for(seeded)
    form = "grant_type=client_credentials&pad=" + "x" * (LIMIT - 40)
    response = await api.post(
        "/oauth/token",
        content=form.encode(),
        auth=(client.client_id, client.client_secret),
        headers={"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200, response.text


def _raw_exchange(url: str, head: bytes, body_chunks: int) -> bytes:
    """Send a request head and up to `body_chunks` chunks of 8 KiB without ever finishing the
    body, then read whatever the server answered."""
    parts = urlsplit(url)
    with socket.create_connection((parts.hostname, parts.port), timeout=10) as sock:
        sock.sendall(head)
        try:
            for _ in range(body_chunks):
                sock.sendall(b"2000\r\n" + b"a" * 0x2000 + b"\r\n")
        except OSError:
            pass  # the server answered and closed: exactly the point
        answer = b""
        while b"\r\n\r\n" not in answer:
            data = sock.recv(65536)
            if not data:
                break
            answer += data
        return answer


async def test_a_live_server_answers_413_before_the_body_ends(
    settings: Settings, seeded: Database
) -> None:
    """Over real HTTP: a 100 MB declaration and an endless chunked body both get 413 while the
    client is still (supposedly) sending."""
    with serve(create_app(settings)) as url:
        declared = (
            b"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Content-Length: 104857600\r\n\r\n"
        )
        chunked = (
            b"POST /oauth/introspect HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            b"Content-Type: application/x-www-form-urlencoded\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n"
        )
        first = await asyncio.to_thread(_raw_exchange, url, declared, 0)
        second = await asyncio.to_thread(_raw_exchange, url, chunked, 8)
    assert first.startswith(b"HTTP/1.1 413"), first[:200]
    assert second.startswith(b"HTTP/1.1 413"), second[:200]


# ---------------------------------------------------------------- guessing secrets


@pytest.fixture
async def behind_proxy(settings: Settings, seeded: Database) -> AsyncIterator[httpx.AsyncClient]:
    """The app behind a trusted proxy on 127.0.0.1, so `X-Forwarded-For` names the source; the
    attempt buckets (30) refill too slowly to matter while the test runs."""
    limits = {"trusted_proxies": ["127.0.0.1/32"], "token_attempts_restore_rate": 0.01}
    app = create_app(settings.model_copy(update=limits), db=seeded)
    transport = httpx.ASGITransport(app=app, client=("127.0.0.1", 4321))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client,
    ):
        yield client


def source(index: int) -> dict[str, str]:
    return {"X-Forwarded-For": f"198.51.100.{index + 1}"}


async def test_a_stranger_guessing_from_many_addresses_cannot_lock_out_the_right_secret(
    behind_proxy: httpx.AsyncClient, seeded: Database
) -> None:
    victim = await client_for(seeded, "demo-partner-DE")
    statuses = []
    for attempt in range(36):
        answer = await behind_proxy.post(
            "/oauth/token",
            data=GRANT,
            auth=(victim.client_id, f"guess {attempt}"),
            headers=source(attempt),
        )
        statuses.append(answer.status_code)
    assert set(statuses) == {401}, statuses  # each address may try once
    # An address that has just failed for this client does not get a second guess at once.
    again = await behind_proxy.post(
        "/oauth/token", data=GRANT, auth=(victim.client_id, "guess again"), headers=source(35)
    )
    assert again.status_code == 429 and int(again.headers["retry-after"]) >= 1
    # The owner of the secret, from its own address, gets its token.
    owner = await behind_proxy.post(
        "/oauth/token",
        data=GRANT,
        auth=(victim.client_id, victim.client_secret),
        headers={"X-Forwarded-For": "192.0.2.10"},
    )
    assert owner.status_code == 200, owner.text
    assert owner.json()["access_token"]


@pytest.mark.parametrize("path", ["/oauth/introspect", "/oauth/revoke"])
async def test_wrong_secrets_at_introspect_and_revoke_are_limited(
    behind_proxy: httpx.AsyncClient, seeded: Database, path: str
) -> None:
    client = await client_for(seeded)
    statuses = []
    for attempt in range(40):
        answer = await behind_proxy.post(
            path,
            data={"token": "x"},
            auth=(client.client_id, f"guess {attempt}"),
            headers={"X-Forwarded-For": "198.51.100.77"},
        )
        statuses.append(answer.status_code)
    assert statuses == [401] * 30 + [429] * 10, statuses
    assert answer.json()["error"] == "slow_down"


# ---------------------------------------------------------------- malformed credentials


async def test_basic_credentials_that_are_not_utf8_are_refused_not_crashed(
    api: httpx.AsyncClient,
) -> None:
    credentials = base64.b64encode(b"\xed\xa0\x80:\xff").decode()
    for path in OAUTH_PATHS:
        response = await api.post(
            path, data={**GRANT, "token": "x"}, headers={"Authorization": f"Basic {credentials}"}
        )
        assert response.status_code == 401, (path, response.text)
        assert response.json()["error"] == "invalid_client"
        assert response.headers["www-authenticate"].startswith("Basic")
    for broken in ("Basic !!!", "Basic " + base64.b64encode(b"no-colon").decode()):
        response = await api.post("/oauth/token", data=GRANT, headers={"Authorization": broken})
        assert response.status_code == 401 and response.json()["error"] == "invalid_client"


async def test_two_client_authentication_methods_in_one_request_are_refused(
    api: httpx.AsyncClient, seeded: Database
) -> None:
    """RFC 6749 §2.3: a client uses one authentication method per request."""
    client = await client_for(seeded)
    other = await client_for(seeded, "demo-partner-PL")
    both = {**GRANT, "client_id": client.client_id, "client_secret": client.client_secret}
    doubled = await api.post(
        "/oauth/token", data=both, auth=(client.client_id, client.client_secret)
    )
    assert doubled.status_code == 400 and doubled.json()["error"] == "invalid_request"
    # A wrong Basic secret cannot be rescued by a right secret in the form.
    rescued = await api.post("/oauth/token", data=both, auth=(client.client_id, "wrong"))
    assert rescued.status_code == 400 and "access_token" not in rescued.json()
    # Naming two different clients is refused too.
    mixed = await api.post(
        "/oauth/token",
        data={**GRANT, "client_id": other.client_id},
        auth=(client.client_id, client.client_secret),
    )
    assert mixed.status_code == 400 and mixed.json()["error"] == "invalid_request"
    # One method at a time still works, Basic with the same client_id in the form included.
    same = await api.post(
        "/oauth/token",
        data={**GRANT, "client_id": client.client_id},
        auth=(client.client_id, client.client_secret),
    )
    assert same.status_code == 200, same.text
    introspect = await api.post(
        "/oauth/introspect",
        data={"token": same.json()["access_token"], "client_secret": client.client_secret},
        auth=(client.client_id, client.client_secret),
    )
    assert introspect.status_code == 400 and introspect.json()["error"] == "invalid_request"
