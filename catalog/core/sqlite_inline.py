"""SQLite reads on the event loop's own thread: the standard library's `sqlite3` behind the
connection interface SQLAlchemy's aiosqlite adapter expects.

aiosqlite runs every statement, fetch, cursor creation and close on a thread of its own and
hands each result back through the event loop: several loop round trips per statement, and
most of a small read's cost. The read engine passes `inline_connector` as `async_creator` to
`create_async_engine`, so sessions, Core and the adapter stay exactly as they are and only the
bottom layer changes: each coroutine below calls `sqlite3` directly and returns without ever
suspending (SQLAlchemy's greenlet bridge then costs a switch, not a loop turn).

Why this is safe for reads only: on WAL a reader works from a snapshot and never waits for a
writer's lock, so a read run inline never blocks on another connection. A long read does
occupy the loop while it runs, the same CPU it costs on a thread anyway in one process (the
GIL), but now nothing else on this loop advances meanwhile; `statement_timeout_ms` bounds it.
Writes keep aiosqlite (catalog/core/db.py): a writer can wait up to the busy timeout for the
file lock, which must never stop the loop.

The rare waits a WAL reader can meet (another connection recovering the WAL after a crash,
the journal mode being changed, an exclusive-mode connection) come back as SQLITE_BUSY at
once (these connections have `busy_timeout` 0); the statement is tried again after an
`asyncio.sleep`, so the loop keeps serving while it waits, up to the usual busy timeout.
"""

import asyncio
import sqlite3
import time
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL

T = TypeVar("T")
# The virtual machine asks whether its statement is past its deadline every this many
# instructions: tens of microseconds of work, a check far too rare to show in a profile.
PROGRESS_STEPS = 10_000
FIRST_RETRY_SECONDS = 0.001
LONGEST_RETRY_SECONDS = 0.05


def _is_busy(error: sqlite3.OperationalError) -> bool:
    """SQLITE_BUSY and its extended codes (recovery, snapshot, timeout)."""
    return getattr(error, "sqlite_errorcode", 0) & 0xFF == sqlite3.SQLITE_BUSY


class _RunNow:
    """aiosqlite's request queue as SQLAlchemy's adapter uses it (to set `isolation_level`):
    here a request runs at once, on the calling thread."""

    def put_nowait(self, request: tuple["asyncio.Future[Any]", Callable[[], Any]]) -> None:
        future, function = request
        try:
            future.set_result(function())
        except Exception as error:  # handed to the awaiting adapter, as aiosqlite would
            future.set_exception(error)


class InlineCursor:
    """A `sqlite3.Cursor` behind aiosqlite's cursor interface."""

    def __init__(self, owner: "InlineConnection", cursor: sqlite3.Cursor) -> None:
        self._owner = owner
        self._cursor = cursor

    async def __aenter__(self) -> "InlineCursor":
        return self

    async def execute(self, sql: str, parameters: Any = ()) -> "InlineCursor":
        await self._owner.run(lambda: self._cursor.execute(sql, parameters))
        return self

    async def executemany(self, sql: str, parameters: Any) -> "InlineCursor":
        await self._owner.run(lambda: self._cursor.executemany(sql, parameters))
        return self

    async def fetchone(self) -> Any:
        return self._cursor.fetchone()

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        return self._cursor.fetchmany(self._cursor.arraysize if size is None else size)

    async def fetchall(self) -> list[Any]:
        return self._cursor.fetchall()

    async def close(self) -> None:
        self._cursor.close()

    @property
    def description(self) -> Any:
        return self._cursor.description

    @property
    def rowcount(self) -> int:
        return self._cursor.rowcount

    @property
    def lastrowid(self) -> int | None:
        return self._cursor.lastrowid

    @property
    def arraysize(self) -> int:
        return self._cursor.arraysize

    @arraysize.setter
    def arraysize(self, value: int) -> None:
        self._cursor.arraysize = value


class InlineConnection:
    """A `sqlite3.Connection` behind the part of `aiosqlite.Connection` that SQLAlchemy's
    aiosqlite adapter uses (including its `_connection`, `_conn` and `_tx` attributes)."""

    def __init__(
        self, connection: sqlite3.Connection, *, busy_wait_s: float, statement_s: float | None
    ) -> None:
        self._connection: sqlite3.Connection | None = connection
        self._tx = _RunNow()
        self._busy_wait_s = busy_wait_s
        self._statement_s = statement_s
        self._deadline = float("inf")
        if statement_s is not None:
            connection.set_progress_handler(self._past_deadline, PROGRESS_STEPS)

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")  # the adapter maps it, as for aiosqlite
        return self._connection

    def _past_deadline(self) -> int:
        """Non-zero interrupts the running statement (SQLITE_INTERRUPT, "interrupted")."""
        return 1 if time.monotonic() > self._deadline else 0

    async def run(self, call: Callable[[], T]) -> T:
        """`call` now; while the database answers SQLITE_BUSY, again after a pause in which the
        loop serves others, until the busy timeout has passed."""
        started = time.monotonic()
        pause = FIRST_RETRY_SECONDS
        while True:
            if self._statement_s is not None:
                self._deadline = time.monotonic() + self._statement_s
            try:
                return call()
            except sqlite3.OperationalError as error:
                left = started + self._busy_wait_s - time.monotonic()
                if not _is_busy(error) or left <= 0:
                    raise
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, LONGEST_RETRY_SECONDS)

    def cursor(self) -> InlineCursor:
        return InlineCursor(self, self._conn.cursor())

    async def commit(self) -> None:
        await self.run(self._conn.commit)

    async def rollback(self) -> None:
        await self.run(self._conn.rollback)

    async def create_function(
        self, name: str, num_params: int, func: Callable[..., Any], deterministic: bool = False
    ) -> None:
        self._conn.create_function(name, num_params, func, deterministic=deterministic)

    @property
    def isolation_level(self) -> str | None:
        return self._conn.isolation_level

    async def close(self) -> None:
        self.stop()

    def stop(self) -> None:
        """Close at once (the pool's last resort for a connection it lost track of)."""
        connection, self._connection = self._connection, None
        if connection is not None:
            connection.close()


def inline_connector(
    url: URL, *, busy_timeout_ms: int, statement_timeout_ms: int | None
) -> Callable[[], Awaitable[InlineConnection]]:
    """An `async_creator` for `create_async_engine`: the URL's database file and options, read
    as the sqlite dialects read them, opened by `sqlite3` for use on the loop's thread."""
    (database,), options = SQLiteDialect_pysqlite().create_connect_args(url)
    # Used by one coroutine at a time (the pool hands a connection to one holder), from
    # whichever thread runs the loop; waits are this module's, never SQLite's own.
    options.update(check_same_thread=False, timeout=0)
    statement_s = None if statement_timeout_ms is None else statement_timeout_ms / 1000

    async def connect() -> InlineConnection:
        return InlineConnection(
            sqlite3.connect(str(database), **options),
            busy_wait_s=busy_timeout_ms / 1000,
            statement_s=statement_s,
        )

    return connect
