"""Async engines and sessions for SQLite (embedded default) and PostgreSQL (production)."""

import errno
import socket
import threading
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager
from typing import Any

from sqlalchemy import event
from sqlalchemy import exc as sa_exc
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import (
    AsyncConnection,
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.pool import ConnectionPoolEntry

from catalog.core.changes import ChangeCounter
from catalog.core.changes import install as install_change_signals
from catalog.core.direct_reads import DirectRead
from catalog.core.json_columns import json_dumps, json_loads
from catalog.core.sqlite_driver import LoopReader, one_hop_creator

SQLITE_BUSY_TIMEOUT_MS = 10_000
# Each SQLite read connection's page cache. SQLite's default (2 MiB) is smaller than what a
# partner's search reads at 100,000 products (about 6 MiB: full-text index, release pairs,
# product columns), so every search read those pages from the operating system again; 16 MiB
# measured no faster than 8. A cache holds only pages its connection read, and a write
# elsewhere empties it at the connection's next read. The read pool hands out its most
# recently used connection first, so under light load one or two connections hold warm
# caches, not all of them.
SQLITE_READ_CACHE_KIB = 8_192
# PostgreSQL refusing service for now: starting up, shutting down, crashed, out of connections.
UNAVAILABLE_SQLSTATES = frozenset({"57P01", "57P02", "57P03", "53300"})
STATEMENT_TIMEOUT_SQLSTATE = "57014"
NETWORK_ERRNOS = frozenset({errno.ENETUNREACH, errno.EHOSTUNREACH, errno.ETIMEDOUT})


def normalise_url(url: str) -> URL:
    """Accept the URLs operators write (postgresql://, sqlite:///) and pick the async drivers."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres", "postgresql+psycopg2"):
        parsed = parsed.set(drivername="postgresql+asyncpg")
    elif parsed.drivername in ("sqlite", "sqlite+pysqlite"):
        parsed = parsed.set(drivername="sqlite+aiosqlite")
    return parsed


def _configure_sqlite(engine: AsyncEngine, *, begin: str | None, cache_kib: int = 0) -> None:
    """WAL and foreign keys on every connection; writers take the lock when they begin
    (`BEGIN IMMEDIATE`), so two writers never deadlock upgrading a read lock. `begin` None:
    the engine autocommits, so nothing is emitted (reads). `cache_kib`: the page cache of each
    connection, when not SQLite's default."""

    @event.listens_for(engine.sync_engine, "connect")
    def on_connect(dbapi_connection: Any, _record: ConnectionPoolEntry) -> None:
        dbapi_connection.isolation_level = None  # we emit BEGIN ourselves below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        if cache_kib:
            cursor.execute(f"PRAGMA cache_size=-{cache_kib:d}")
        cursor.close()

    if begin is None:
        return

    @event.listens_for(engine.sync_engine, "begin")
    def on_begin(connection: Any) -> None:
        connection.exec_driver_sql(begin)


# A pooled PostgreSQL connection idle longer than this is checked before use (a server restart
# in the meantime leaves it dead). pool_pre_ping would check every checkout: three round trips
# (BEGIN, a statement, ROLLBACK) per request. A connection in use within the last second that
# died since fails its statement instead, which invalidates the pool (SQLAlchemy) and answers
# that one request 503.
PING_IDLE_SECONDS = 1.0


def _ping_when_idle(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "checkin")
    def on_checkin(_dbapi_connection: Any, record: ConnectionPoolEntry) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine.sync_engine, "checkout")
    def on_checkout(dbapi_connection: Any, record: ConnectionPoolEntry, _proxy: Any) -> None:
        idle_since = record.info.get("idle_since")
        if idle_since is None or time.monotonic() - idle_since < PING_IDLE_SECONDS:
            return
        try:
            dbapi_connection.ping()
        except Exception as error:
            # The pool drops this connection and checks out another (a fresh one if need be).
            raise sa_exc.DisconnectionError(str(error)) from error


class Database:
    """Owns the engines. On SQLite writes use their own one-connection engine so that writers
    queue in-process instead of contending for the file lock."""

    def __init__(
        self,
        url: str,
        *,
        echo: bool = False,
        pool_size: int = 10,
        statement_timeout_ms: int = 15_000,
        connect_timeout_s: float = 5.0,
    ) -> None:
        self.url = normalise_url(url)
        self.is_sqlite = self.url.get_backend_name() == "sqlite"
        if self.is_sqlite:
            # One hop to the driver's thread per statement; on the read pool, a read known to
            # be short takes none (catalog/core/sqlite_driver.py).
            # Reads autocommit, as on PostgreSQL (`_autocommitted_reads`): in WAL mode every
            # statement reads a consistent snapshot of its own, and a BEGIN for a read cost a
            # statement and a hop to the driver's thread per session. With no transaction ever
            # open, the pool has nothing to roll back when a connection comes back (another hop).
            self.engine = create_async_engine(
                self.url,
                echo=echo,
                json_serializer=json_dumps,
                json_deserializer=json_loads,
                pool_size=pool_size,
                pool_use_lifo=True,
                isolation_level="AUTOCOMMIT",
                pool_reset_on_return=None,
                async_creator=one_hop_creator(self.url, brief_reads=True),
            )
            _configure_sqlite(self.engine, begin=None, cache_kib=SQLITE_READ_CACHE_KIB)
            self.write_engine = create_async_engine(
                self.url,
                echo=echo,
                json_serializer=json_dumps,
                json_deserializer=json_loads,
                pool_size=1,
                max_overflow=0,
                async_creator=one_hop_creator(self.url),
            )
            _configure_sqlite(self.write_engine, begin="BEGIN IMMEDIATE")
        else:
            # Fail fast when PostgreSQL is away, and never let one statement run unbounded.
            self.engine = create_async_engine(
                self.url,
                echo=echo,
                json_serializer=json_dumps,
                json_deserializer=json_loads,
                pool_size=pool_size,
                max_overflow=pool_size,
                pool_timeout=connect_timeout_s,
                connect_args={
                    "timeout": connect_timeout_s,
                    "server_settings": {"statement_timeout": str(statement_timeout_ms)},
                },
            )
            self.write_engine = self.engine
            _ping_when_idle(self.engine)
        # Writes to the tables that in-process caches hold move this counter (and, on
        # PostgreSQL, notify other processes): catalog/core/changes.py.
        self.changes = ChangeCounter()
        for engine in {self.engine, self.write_engine}:
            install_change_signals(engine, self.changes, notify=not self.is_sqlite)
        self._closers: list[Callable[[], Awaitable[None]]] = []
        self._held_for_loop: LoopReader | None = None
        self._reads = self._autocommitted_reads()
        self._read_sessions = async_sessionmaker(self._reads, expire_on_commit=False)
        self._write_sessions = async_sessionmaker(self.write_engine, expire_on_commit=False)

    def _autocommitted_reads(self) -> AsyncEngine:
        """PostgreSQL reads run without BEGIN and ROLLBACK: at READ COMMITTED (the server's
        default and ours) every statement takes its own snapshot inside a transaction too, so a
        read-only session gains nothing from one but two round trips. (SQLite's read engine
        autocommits from its creation.)"""
        if self.is_sqlite:
            return self.engine
        return self.engine.execution_options(isolation_level="AUTOCOMMIT")

    @property
    def dialect(self) -> str:
        return self.url.get_backend_name()

    @asynccontextmanager
    async def read(self) -> AsyncIterator[AsyncSession]:
        """A session for reading; it never commits."""
        async with self._read_sessions() as session:
            yield session

    @asynccontextmanager
    async def read_connection(self) -> AsyncIterator[AsyncConnection]:
        """A bare connection for Core reads: what a read session adds (its transaction object,
        identity map and close) costs a quarter of a one-row read and serves no Core
        statement."""
        async with self._reads.connect() as connection:
            yield connection

    async def fetch(self, read: DirectRead, values: Mapping[str, Any]) -> list[Any]:
        """The rows of `read` for `values`, run on a read connection's driver
        (catalog/core/direct_reads.py); on SQLite a brief read runs on the loop's thread while
        it stays brief (`LoopReader`). Statement listeners see it like any other statement.
        A pooled connection whose statement failed or was interrupted is discarded, not pooled
        again; one the server dropped is reported as the database being unreachable."""
        compiled = read.compiled(self.engine.dialect)
        arguments = compiled.arguments(values)
        dispatch = self.engine.sync_engine.dispatch
        if dispatch.before_cursor_execute:
            dispatch.before_cursor_execute(None, None, compiled.sql, tuple(arguments), None, False)
        if read.brief and self.is_sqlite:
            reader = await self._loop_reader()
            rows = reader.read(compiled.sql, arguments) if reader is not None else None
            if rows is not None:
                return compiled.rows(rows)
        pooled = await self._reads.raw_connection()
        driver = pooled.driver_connection
        try:
            return await compiled.run(driver, arguments)
        except Exception as error:
            dropped = _dropped(driver)  # before invalidating, which closes it
            pooled.invalidate(error)
            if dropped and not is_unavailable(error):
                raise ConnectionError("the connection to the database was lost") from error
            raise
        except BaseException:
            pooled.invalidate()
            raise
        finally:
            pooled.close()

    async def _loop_reader(self) -> LoopReader | None:
        """The read connection held for brief reads on this thread's loop; None on another
        thread (one that did not take it), where reads take the pool's way."""
        reader = self._held_for_loop
        if reader is None:
            pooled = await self._reads.raw_connection()
            if self._held_for_loop is not None:  # another read took one meanwhile
                pooled.close()
            else:
                self._held_for_loop = LoopReader(pooled)
            reader = self._held_for_loop
        return reader if reader.thread == threading.get_ident() else None

    def write_session(self) -> AsyncSession:
        """A raw session for the transaction helper; use `catalog.core.transactions.write`
        instead."""
        return self._write_sessions()

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.exec_driver_sql("SELECT 1")

    def on_dispose(self, close: Callable[[], Awaitable[None]]) -> None:
        """Run `close` when the database is disposed (connections opened beside the pools)."""
        self._closers.append(close)

    async def dispose(self) -> None:
        closers, self._closers = self._closers, []
        for close in closers:
            await close()
        held, self._held_for_loop = self._held_for_loop, None
        if held is not None:
            held.release()
        await self.engine.dispose()
        if self.write_engine is not self.engine:
            await self.write_engine.dispose()


def _dropped(driver_connection: Any) -> bool:
    """Whether the driver saw its connection close (asyncpg; SQLite's cannot drop)."""
    is_closed = getattr(driver_connection, "is_closed", None)
    return bool(is_closed is not None and is_closed())


def _causes(error: BaseException) -> list[BaseException]:
    """The error and what it wraps (SQLAlchemy's `orig`, explicit and implicit causes)."""
    seen: list[BaseException] = []
    pending: list[BaseException | None] = [error]
    while pending:
        current = pending.pop()
        if current is None or any(current is s for s in seen) or len(seen) > 20:
            continue
        seen.append(current)
        pending += [getattr(current, "orig", None), current.__cause__, current.__context__]
    return seen


def is_unavailable(error: BaseException) -> bool:
    """Whether `error` means the database cannot be reached right now (refused or timed-out
    connections, a pool that cannot hand out a connection in time, a server shutting down or
    restarting) rather than anything about the request."""
    for cause in _causes(error):
        if isinstance(cause, sa_exc.TimeoutError):  # the pool had no connection in time
            return True
        if isinstance(cause, sa_exc.DBAPIError) and cause.connection_invalidated:
            return True
        if isinstance(cause, ConnectionError | TimeoutError | socket.gaierror):
            return True
        if isinstance(cause, OSError) and cause.errno in NETWORK_ERRNOS:
            return True
        if getattr(cause, "sqlstate", None) in UNAVAILABLE_SQLSTATES:
            return True
        if str(getattr(cause, "sqlstate", "") or "").startswith("08"):  # connection exception
            return True
        if type(cause).__module__.startswith("asyncpg") and "connection is closed" in str(cause):
            return True
    return False


def is_statement_timeout(error: BaseException) -> bool:
    """Whether `error` is the server cancelling a statement that ran past its timeout."""
    return any(
        getattr(cause, "sqlstate", None) == STATEMENT_TIMEOUT_SQLSTATE for cause in _causes(error)
    )
