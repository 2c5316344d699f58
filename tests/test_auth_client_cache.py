"""The token check's client cache (auth/client_cache.py): repeated checks of a token need no
query, and a revoked token, a revoked client or a suspended partner fails on its very next
request, whether the change was made through the same application instance or through
another one (its own engines, cache and, on PostgreSQL, listening connection: what a second
worker process has)."""

import asyncio
import sqlite3
import threading
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from typing import Any

import httpx
import pytest
from sqlalchemy import event, select

from api.app import create_app
from api.settings import Settings
from auth.client_cache import SqliteFeed
from auth.clients import create_client, revoke_client
from catalog.core.db import Database
from catalog.core.enums import VettingStatus
from catalog.core.principal import SYSTEM
from catalog.core.transactions import write
from catalog.models import Organisation
from tests.databases import SqliteTemplates
from tests.live import serve
from tests.tokens import bearer

PRODUCTS = {"query": "{ products(first: 5) { edges { node { id } } } }"}
PARTNER = "demo-partner-PL"


class ClientQueries:
    """Counts the statements reading clients that an app's database executes."""

    def __init__(self) -> None:
        self.count = 0
        self._lock = threading.Lock()

    def __call__(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if "FROM oauth_client" in statement:
            with self._lock:
                self.count += 1


@contextmanager
def client_queries(db: Database) -> Iterator[ClientQueries]:
    counter = ClientQueries()
    event.listen(db.engine.sync_engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", counter)


async def products(client: httpx.AsyncClient, token: str) -> httpx.Response:
    return await client.post("/graphql", json=PRODUCTS, headers=bearer(token))


def product_edges(response: httpx.Response) -> list[Any]:
    data = response.json().get("data") or {}
    return list((data.get("products") or {}).get("edges") or [])


async def warm(client: httpx.AsyncClient, token: str, queries: ClientQueries) -> None:
    """Until a request is answered without reading the client (on PostgreSQL the cache serves
    nothing before its listening connection is up)."""
    for _ in range(200):
        before = queries.count
        response = await products(client, token)
        assert response.status_code == 200, response.text
        assert product_edges(response), "the partner sees products before the change"
        if queries.count == before:
            return
        await asyncio.sleep(0.02)
    raise AssertionError("the client cache never served a token check")


async def token_and_client(api: httpx.AsyncClient, db: Database) -> tuple[str, tuple[str, str]]:
    created = await create_client(db, org_slug=PARTNER, scopes=None, name="cache test")
    credentials = (created.client_id, created.client_secret)
    response = await api.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"]), credentials


async def suspend(db: Database, slug: str) -> None:
    async with write(db, SYSTEM) as tx:
        org = await tx.session.scalar(select(Organisation).where(Organisation.slug == slug))
        assert org is not None
        org.vetting = VettingStatus.SUSPENDED
        tx.audit("partner.vetting_changed", "Organisation", org.id, {"to": "SUSPENDED"})


Change = Callable[[httpx.AsyncClient, Database, str, tuple[str, str]], Awaitable[None]]


async def revoke_the_token(
    api: httpx.AsyncClient, db: Database, token: str, credentials: tuple[str, str]
) -> None:
    response = await api.post("/oauth/revoke", data={"token": token}, auth=credentials)
    assert response.status_code == 200, response.text


async def revoke_the_client(
    api: httpx.AsyncClient, db: Database, token: str, credentials: tuple[str, str]
) -> None:
    await revoke_client(db, credentials[0])


async def suspend_the_partner(
    api: httpx.AsyncClient, db: Database, token: str, credentials: tuple[str, str]
) -> None:
    await suspend(db, PARTNER)


CHANGES: dict[str, Change] = {
    "token revoked": revoke_the_token,
    "client revoked": revoke_the_client,
    "partner suspended": suspend_the_partner,
}


def assert_refused_after(change: str, response: httpx.Response) -> None:
    if change == "partner suspended":
        # Still authenticated, but a suspended partner sees no product.
        assert response.status_code == 200, response.text
        assert product_edges(response) == []
    else:
        assert response.status_code == 401, response.text
        assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"


async def test_repeated_checks_of_a_token_read_no_client(
    api: httpx.AsyncClient, seeded: Database
) -> None:
    token, _ = await token_and_client(api, seeded)
    with client_queries(seeded) as queries:
        await warm(api, token, queries)
        before = queries.count
        for _ in range(5):
            assert (await products(api, token)).status_code == 200
        assert queries.count == before


async def test_a_new_token_is_looked_up(api: httpx.AsyncClient, seeded: Database) -> None:
    token, credentials = await token_and_client(api, seeded)
    with client_queries(seeded) as queries:
        await warm(api, token, queries)
        other = await api.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials
        )
        before = queries.count
        assert (await products(api, other.json()["access_token"])).status_code == 200
        assert queries.count == before + 1


@pytest.mark.parametrize("change", list(CHANGES))
async def test_a_change_through_the_same_instance_holds_on_the_next_request(
    api: httpx.AsyncClient, seeded: Database, change: str
) -> None:
    token, credentials = await token_and_client(api, seeded)
    with client_queries(seeded) as queries:
        await warm(api, token, queries)
    await CHANGES[change](api, seeded, token, credentials)
    assert_refused_after(change, await products(api, token))


@pytest.mark.parametrize("change", list(CHANGES))
async def test_a_change_through_another_instance_holds_on_its_next_request(
    api: httpx.AsyncClient, seeded: Database, settings: Settings, change: str
) -> None:
    """The change is made through the test's database (instance A); the server under test
    (instance B, its own event loop and thread) has only its cache's change feed to learn
    about it. Instance A has answered a request first, as every API worker has: its writes
    then wait to hear their own notification before answering (catalog/core/changes.py)."""
    token, credentials = await token_and_client(api, seeded)
    assert (await products(api, token)).status_code == 200
    other = create_app(settings)
    with serve(other) as url, client_queries(other.state.db) as queries:
        async with httpx.AsyncClient(base_url=url, timeout=30) as server:
            await warm(server, token, queries)
            await CHANGES[change](api, seeded, token, credentials)
            assert_refused_after(change, await products(server, token))


def test_a_listener_whose_socket_is_gone_is_not_trusted() -> None:
    """In a database outage the listening connection's socket can be closed (descriptor -1)
    before asyncpg marks the connection closed: the cache must then say "cannot tell" (the
    lookup goes to the database, which answers 503 while it is down), never raise."""
    import socket
    from types import SimpleNamespace

    from auth.client_cache import _unread

    closed = socket.socket()
    closed.close()
    assert closed.fileno() == -1
    transport = SimpleNamespace(get_extra_info=lambda name: closed if name == "socket" else None)
    assert _unread(SimpleNamespace(_transport=transport)) is None

    ours, theirs = socket.socketpair()
    with ours, theirs:
        transport = SimpleNamespace(get_extra_info=lambda name: ours)
        assert _unread(SimpleNamespace(_transport=transport)) is False
        theirs.send(b"A")  # a notification's bytes, not read yet
        assert _unread(SimpleNamespace(_transport=transport)) is True


async def test_the_sqlite_change_stamp_never_waits_for_a_lock(
    sqlite_templates: SqliteTemplates,
) -> None:
    """The stamp is read on the event loop's thread: while another connection holds the
    database file (a WAL recovery, an exclusive-mode connection) it is "cannot tell" at once,
    and the lookup asks the database (whose driver waits on its own thread), instead of the
    loop waiting there for sqlite3's default five seconds."""
    path = sqlite_templates.clone()
    db = Database(sqlite_templates.url_for(path), pool_size=1)
    feed = SqliteFeed(db, str(path))
    blocker = sqlite3.connect(path, isolation_level=None)
    try:
        blocker.execute("PRAGMA locking_mode=EXCLUSIVE")
        blocker.execute("BEGIN EXCLUSIVE")
        assert await feed.stamp() is None
        blocker.close()  # an exclusive-mode connection keeps its lock until it closes
        assert await feed.stamp() is not None
        assert feed._conn is not None
        assert feed._conn.execute("PRAGMA busy_timeout").fetchone()[0] == 0
    finally:
        blocker.close()
        await feed.close()
        await db.dispose()
