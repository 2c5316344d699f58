"""The token check's client lookup: client, organisation and whether the token was revoked.

Every request needs it; asking the database every time costs a round trip (on SQLite a thread
hop as well) for rows that almost never change. `CachedLookup` keeps answers in process and
trusts them only while a change stamp is unchanged; the stamp moves on every committed write to
clients, organisations or the revoked-token list, whatever code path or process writes
(catalog/core/changes.py), so a revoked token, a revoked client or a suspended organisation
fails on its very next request:

- SQLite: `PRAGMA data_version` on a connection of the cache's own (the value is per
  connection), which changes when any other connection (of this process or another) commits;
  read on the event loop's thread, some microseconds, no thread hop, never waiting for a lock;
- PostgreSQL: a listening connection (`LISTEN market_changes`), opened by the first lookup
  (which waits for it); while it is lost nothing is served from the cache, and every
  reconnection starts a new generation, since notifications sent meanwhile are lost.

Both also include the process's own change counter, which moves when a writing connection
goes back to the pool, before the writing request answers.
"""

import asyncio
import contextlib
import select
import sqlite3
import time
import weakref
from collections.abc import Callable, Hashable
from typing import Any, Protocol

import asyncpg
from sqlalchemy import exists
from sqlmodel import col

from auth.clients import ClientRecord, client_query, record_from_row
from catalog.core.changes import CHANNEL
from catalog.core.db import Database
from catalog.models import OAuthClient, RevokedToken

# (the client with its organisation, whether the token's jti is revoked); None: no such client
Found = tuple[ClientRecord, bool] | None
MAX_ENTRIES = 10_000
CONNECT_TIMEOUT_SECONDS = 5.0
RETRY_SECONDS = 1.0
# How long a writer waits to hear its own notification (catalog/core/changes.py); it is
# normally there within a millisecond.
PROPAGATION_SECONDS = 0.25
PROPAGATION_GRACE_SECONDS = 0.05


class ClientLookup(Protocol):
    async def find(self, client_id: str, jti: str) -> Found: ...


async def query_client(db: Database, client_id: str, jti: str) -> Found:
    """One statement: the client joined with its organisation, and the jti's revocation."""
    revoked = exists().where(col(RevokedToken.jti) == jti)
    query = client_query().add_columns(revoked).where(col(OAuthClient.client_id) == client_id)
    async with db.read() as session:
        row = (await session.execute(query)).first()
    if row is None:
        return None
    values = tuple(row)
    return record_from_row(values), bool(values[-1])


class DirectLookup:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def find(self, client_id: str, jti: str) -> Found:
        return await query_client(self.db, client_id, jti)


class ChangeFeed(Protocol):
    async def stamp(self) -> Hashable | None:
        """Equal stamps: no watched row changed in between. None: cannot tell right now."""
        ...

    async def close(self) -> None: ...


class SqliteFeed:
    def __init__(self, db: Database, path: str) -> None:
        self.db = db
        self.path = path
        self._conn: sqlite3.Connection | None = None

    async def stamp(self) -> Hashable | None:
        try:
            if self._conn is None:
                # Used only from event loops, one request at a time per call (no await inside).
                # timeout=0: never wait for a lock on the loop (sqlite3's default is 5 s); while
                # another connection holds the file (WAL recovery, an exclusive-mode
                # connection) the stamp is "cannot tell" and the lookup asks the database.
                self._conn = sqlite3.connect(
                    self.path, timeout=0, isolation_level=None, check_same_thread=False
                )
            version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return None
        return self.db.changes.value, version

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class _ListeningConnection(asyncpg.Connection):  # type: ignore[misc]  # asyncpg is untyped (Any)
    """Counts a notification the moment its bytes are read, not a loop turn later as
    asyncpg's listener callbacks are (a request handled in between would miss it)."""

    on_notification: Callable[[], None] | None = None

    def _process_notification(self, pid: int, channel: str, payload: str) -> None:
        if channel == CHANNEL and self.on_notification is not None:
            self.on_notification()
        super()._process_notification(pid, channel, payload)


def _unread(conn: Any) -> bool | None:
    """Bytes from the server wait on the listening socket (a notification not read yet);
    None when the socket is gone (closed under us, as in a database outage)."""
    transport = getattr(conn, "_transport", None)
    sock = transport.get_extra_info("socket") if transport is not None else None
    if sock is None or sock.fileno() < 0:
        return None
    try:
        return bool(select.select([sock.fileno()], [], [], 0)[0])
    except (OSError, ValueError):  # closed between the check and the call
        return None


class PostgresFeed:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.dsn = db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.generation = 0
        self._conn: Any = None
        self._connecting: asyncio.Task[None] | None = None
        self._retry_at = 0.0
        self._closed = False
        db.changes.listeners.append(self)

    async def stamp(self) -> Hashable | None:
        if self._conn is None or self._conn.is_closed():
            self._conn = None
            if self._closed or time.monotonic() < self._retry_at:
                return None
            if self._connecting is None or self._connecting.done():
                self._connecting = asyncio.get_running_loop().create_task(self._connect())
            # Shared by the requests arriving meanwhile; a request is not cancelled with it.
            await asyncio.shield(self._connecting)
            if self._conn is None:
                return None
        # A notification already delivered to this host but not read yet: let the loop read
        # it first (each turn is microseconds; this happens only right after a change).
        for _ in range(3):
            unread = _unread(self._conn)
            if unread is None:  # the listener lost its socket: nothing is trusted until a
                return None  # reconnection (a new generation) listens again
            if not unread:
                return self.db.changes.value, self.generation
            await asyncio.sleep(0)
        return None  # still unread: answer from the database this time, never from the cache

    async def _connect(self) -> None:
        conn = None
        try:
            conn = await asyncpg.connect(
                self.dsn, timeout=CONNECT_TIMEOUT_SECONDS, connection_class=_ListeningConnection
            )
            conn.on_notification = self._changed
            await conn.execute(f"LISTEN {CHANNEL}")
        except (TimeoutError, OSError, asyncpg.PostgresError):
            if conn is not None:
                conn.terminate()
            # Meanwhile every lookup asks the database, as it would without a cache.
            self._retry_at = time.monotonic() + RETRY_SECONDS
            return
        conn.add_termination_listener(self._lost)
        self.generation += 1  # whatever was cached before listening is not trusted
        self._conn = conn

    def heard(self) -> int:
        return self.generation

    async def wait_beyond(self, heard: int) -> None:
        """Until a notification (or a reconnection) after `heard`, when listening at all, then
        a little longer: the other processes' listening server backends are signalled at the
        same commit but may be scheduled later than ours on a busy host. Only writes to
        clients, organisations and revocations (rare, administrative) ever wait here."""
        if self._conn is None:
            return
        deadline = time.monotonic() + PROPAGATION_SECONDS
        while self._conn is not None and self.generation == heard:
            if time.monotonic() > deadline:
                return
            await asyncio.sleep(0.001)
        await asyncio.sleep(PROPAGATION_GRACE_SECONDS)

    def _changed(self) -> None:
        self.generation += 1

    def _lost(self, *_: Any) -> None:
        self._conn = None
        self.generation += 1

    async def close(self) -> None:
        self._closed = True
        if self in self.db.changes.listeners:
            self.db.changes.listeners.remove(self)
        if self._connecting is not None and not self._connecting.done():
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
        if self._conn is not None:
            conn, self._conn = self._conn, None
            with contextlib.suppress(Exception):
                await conn.close(timeout=2)


class CachedLookup:
    def __init__(self, db: Database, feed: ChangeFeed) -> None:
        self.db = db
        self.feed = feed
        self._stamp: Hashable | None = None
        self._entries: dict[tuple[str, str], Found] = {}

    async def find(self, client_id: str, jti: str) -> Found:
        stamp = await self.feed.stamp()
        if stamp is None:
            return await query_client(self.db, client_id, jti)
        if stamp != self._stamp:
            self._entries.clear()
            self._stamp = stamp
        key = (client_id, jti)
        if key in self._entries:
            return self._entries[key]
        found = await query_client(self.db, client_id, jti)
        # Read before the query: if anything changed meanwhile, the stamp has moved on and this
        # entry is never served.
        if self._stamp == stamp:
            if len(self._entries) >= MAX_ENTRIES:
                self._entries.clear()
            self._entries[key] = found
        return found


_lookups: "weakref.WeakKeyDictionary[Database, ClientLookup]" = weakref.WeakKeyDictionary()


def client_lookup(db: Database, *, cached: bool = True) -> ClientLookup:
    """The database's lookup, shared by every verifier built on it (one cache, one listener)."""
    if not cached:
        return DirectLookup(db)
    if db not in _lookups:
        feed = _feed(db)
        if feed is None:
            return DirectLookup(db)
        db.on_dispose(feed.close)
        _lookups[db] = CachedLookup(db, feed)
    return _lookups[db]


def _feed(db: Database) -> ChangeFeed | None:
    if not db.is_sqlite:
        return PostgresFeed(db)
    path = db.url.database or ""
    if not path or path == ":memory:" or "mode=memory" in str(db.url):
        return None  # each connection has its own database: nothing to watch across them
    return SqliteFeed(db, path)
