"""The token check's client lookup: client, organisation and whether the token was revoked.

Every request needs it; asking the database every time costs a round trip (on SQLite a thread
hop as well) for rows that almost never change. `CachedLookup` keeps answers in process and
trusts them only while a change stamp is unchanged; the stamp moves on every committed write to
clients, organisations or the revoked-token list, whatever code path or process writes
(catalog/core/changes.py), so a revoked token, a revoked client or a suspended organisation
fails on its very next request:

- SQLite: `PRAGMA data_version` on a connection of the cache's own, which changes when any
  other connection (of this process or another) commits; read on the event loop's thread,
  some microseconds, no thread hop;
- PostgreSQL: a listening connection (`LISTEN market_changes`); while it is not connected
  (starting, lost, reconnecting) nothing is served from the cache, and every reconnection
  starts a new generation, since notifications sent meanwhile are lost.

Both also include the process's own change counter, which moves when a writing connection
goes back to the pool, before the writing request answers.
"""

import asyncio
import contextlib
import sqlite3
import weakref
from collections.abc import Hashable
from typing import Any, Protocol

import asyncpg
from sqlalchemy import exists

from auth.clients import ClientRecord, client_query, record_from_row
from catalog.core.changes import CHANNEL
from catalog.core.db import Database
from catalog.models import OAuthClient, RevokedToken

# (the client with its organisation, whether the token's jti is revoked); None: no such client
Found = tuple[ClientRecord, bool] | None
MAX_ENTRIES = 10_000
CONNECT_TIMEOUT_SECONDS = 5.0


class ClientLookup(Protocol):
    async def find(self, client_id: str, jti: str) -> Found: ...


async def query_client(db: Database, client_id: str, jti: str) -> Found:
    """One statement: the client joined with its organisation, and the jti's revocation."""
    revoked = exists().where(RevokedToken.jti == jti)
    query = client_query().add_columns(revoked).where(OAuthClient.client_id == client_id)
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
    def stamp(self) -> Hashable | None:
        """Equal stamps: no watched row changed in between. None: cannot tell right now."""
        ...

    async def close(self) -> None: ...


class SqliteFeed:
    def __init__(self, db: Database, path: str) -> None:
        self.db = db
        self.path = path
        self._conn: sqlite3.Connection | None = None

    def stamp(self) -> Hashable | None:
        try:
            if self._conn is None:
                # Used only from event loops, one request at a time per call (no await inside).
                self._conn = sqlite3.connect(
                    self.path, isolation_level=None, check_same_thread=False
                )
            version = self._conn.execute("PRAGMA data_version").fetchone()[0]
        except sqlite3.Error:
            return None
        return self.db.changes.value, version

    async def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


class PostgresFeed:
    def __init__(self, db: Database) -> None:
        self.db = db
        self.dsn = db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        self.generation = 0
        self._conn: Any = None
        self._connecting: asyncio.Task[None] | None = None
        self._closed = False

    def stamp(self) -> Hashable | None:
        if self._conn is None or self._conn.is_closed():
            self._conn = None
            self._start()
            return None
        return self.db.changes.value, self.generation

    def _start(self) -> None:
        if self._closed or (self._connecting is not None and not self._connecting.done()):
            return
        self._connecting = asyncio.get_running_loop().create_task(self._connect())

    async def _connect(self) -> None:
        try:
            conn = await asyncpg.connect(self.dsn, timeout=CONNECT_TIMEOUT_SECONDS)
        except (TimeoutError, OSError, asyncpg.PostgresError):
            return  # the next request tries again; meanwhile nothing comes from the cache
        await conn.add_listener(CHANNEL, self._changed)
        conn.add_termination_listener(self._lost)
        self.generation += 1  # whatever was cached before listening is not trusted
        self._conn = conn

    def _changed(self, *_: Any) -> None:
        self.generation += 1

    def _lost(self, *_: Any) -> None:
        self._conn = None
        self.generation += 1

    async def close(self) -> None:
        self._closed = True
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
        stamp = self.feed.stamp()
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
