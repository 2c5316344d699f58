"""SQLite reads on the event loop's own thread: the standard library's `sqlite3` behind the
connection interface SQLAlchemy's aiosqlite adapter expects.

aiosqlite runs every statement, fetch, cursor creation and close on a thread of its own and
hands each result back through the event loop: several loop round trips per statement, and
most of a small read's cost. The read engine passes `inline_connector` as `async_creator` to
`create_async_engine`, so sessions, Core and the adapter stay exactly as they are and only the
bottom layer changes: the coroutines below call `sqlite3` directly and, for the reads that make
up nearly every request, return without suspending (SQLAlchemy's greenlet bridge then costs a
switch, not a loop turn).

Why this is safe for reads only: on WAL a reader works from a snapshot and never waits for a
writer's lock, so a read run inline never blocks on another connection. Writes keep aiosqlite
(catalog/core/db.py): a writer can wait up to the busy timeout for the file lock, which must
never stop the loop.

What a read may cost the loop is bounded:

- a statement gets `SLICE_SECONDS` on the loop; one still running then (a search matching
  most of the catalogue, a report) is interrupted, which leaves a read-only statement's
  transaction and snapshot as they were, and runs again on a worker thread, so nothing else
  on this loop waits behind it (the slice is the price of not knowing in advance);
- the rare waits a WAL reader can meet (another connection recovering the WAL after a crash,
  the journal mode being changed, an exclusive-mode connection) come back as SQLITE_BUSY at
  once (`busy_timeout` is 0 on these connections); the statement is tried again after an
  `asyncio.sleep`, up to the usual busy timeout;
- `statement_timeout_ms` interrupts a statement for good (SQLITE_INTERRUPT, which
  `catalog.core.db.is_statement_timeout` recognises), as PostgreSQL's statement_timeout does.
"""

import asyncio
import contextlib
import sqlite3
import time
from collections import deque
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

from sqlalchemy.dialects.sqlite.pysqlite import SQLiteDialect_pysqlite
from sqlalchemy.engine import URL

T = TypeVar("T")
# A products page or a lookup takes well under a millisecond of SQLite's time; what takes
# longer is rare and gains more from running beside the loop than it loses to the restart.
SLICE_SECONDS = 0.004
# SQLite asks whether to stop every this many virtual machine instructions (some tens of
# microseconds of work): a check far too rare to show in a profile.
PROGRESS_STEPS = 5_000
FIRST_RETRY_SECONDS = 0.001
LONGEST_RETRY_SECONDS = 0.05
NEVER = float("inf")


def _code(error: sqlite3.Error) -> int:
    """The primary result code (SQLITE_BUSY for SQLITE_BUSY_RECOVERY, …)."""
    return getattr(error, "sqlite_errorcode", 0) & 0xFF


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
    """A `sqlite3.Cursor` behind aiosqlite's cursor interface. A statement's rows are read
    with it, as one step that can be moved off the loop (the adapter reads them all at once
    anyway)."""

    def __init__(self, owner: "InlineConnection", cursor: sqlite3.Cursor) -> None:
        self._owner = owner
        self._cursor = cursor
        self._rows: deque[Any] = deque()

    async def __aenter__(self) -> "InlineCursor":
        return self

    def _execute(self, sql: str, parameters: Any) -> None:
        self._rows = deque()  # a restarted statement starts over
        self._cursor.execute(sql, parameters)
        if self._cursor.description is not None:
            self._rows = deque(self._cursor.fetchall())

    async def execute(self, sql: str, parameters: Any = ()) -> "InlineCursor":
        await self._owner.run(lambda: self._execute(sql, parameters), restartable=True)
        return self

    async def executemany(self, sql: str, parameters: Any) -> "InlineCursor":
        await self._owner.run(lambda: self._cursor.executemany(sql, parameters))
        return self

    async def fetchone(self) -> Any:
        return self._rows.popleft() if self._rows else None

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        count = min(self._cursor.arraysize if size is None else size, len(self._rows))
        return [self._rows.popleft() for _ in range(count)]

    async def fetchall(self) -> list[Any]:
        rows, self._rows = list(self._rows), deque()
        return rows

    async def close(self) -> None:
        self._rows = deque()
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
        self._statement_s = NEVER if statement_s is None else statement_s
        self._deadline = NEVER  # the statement timeout
        self._slice_end = NEVER  # the end of the statement's turn on the loop
        self._sliced = False
        connection.set_progress_handler(self._should_stop, PROGRESS_STEPS)

    @property
    def _conn(self) -> sqlite3.Connection:
        if self._connection is None:
            raise ValueError("no active connection")  # the adapter maps it, as for aiosqlite
        return self._connection

    def _should_stop(self) -> int:
        """Non-zero interrupts the running statement (SQLITE_INTERRUPT, "interrupted")."""
        now = time.monotonic()
        if now > self._slice_end:
            self._sliced = True
            return 1
        return 1 if now > self._deadline else 0

    def _timed(self, call: Callable[[], T], deadline: float, slice_s: float) -> T:
        self._deadline = deadline
        self._slice_end = time.monotonic() + slice_s
        self._sliced = False
        try:
            return call()
        finally:
            self._deadline = self._slice_end = NEVER

    async def run(self, call: Callable[[], T], *, restartable: bool = False) -> T:
        """`call` on the loop's thread: if `restartable` and it outlasts its slice, again on a
        worker thread; while the database answers SQLITE_BUSY, again after a pause in which
        the loop serves others, until the busy timeout has passed."""
        started = time.monotonic()
        deadline = started + self._statement_s
        pause = FIRST_RETRY_SECONDS
        on_loop = True
        while True:
            in_transaction = self._conn.in_transaction
            try:
                if on_loop:
                    return self._timed(call, deadline, SLICE_SECONDS if restartable else NEVER)
                return await self._off_loop(lambda: self._timed(call, deadline, NEVER))
            except sqlite3.OperationalError as error:
                if self._sliced and _code(error) == sqlite3.SQLITE_INTERRUPT:
                    # A read-only statement's interruption leaves its transaction alone; had
                    # it rolled the transaction back, running it again would be wrong.
                    if self._conn.in_transaction != in_transaction:
                        raise
                    on_loop = False
                    continue
                left = started + self._busy_wait_s - time.monotonic()
                if _code(error) != sqlite3.SQLITE_BUSY or left <= 0:
                    raise
            await asyncio.sleep(min(pause, left))
            pause = min(pause * 2, LONGEST_RETRY_SECONDS)

    async def _off_loop(self, call: Callable[[], T]) -> T:
        """`call` on a worker thread. When the caller is cancelled meanwhile, the statement is
        interrupted and waited for, so that nothing else uses the connection before it stops."""
        work = asyncio.ensure_future(asyncio.to_thread(call))
        try:
            return await asyncio.shield(work)
        except asyncio.CancelledError:
            self._conn.interrupt()
            with contextlib.suppress(Exception):
                await asyncio.wait([work])
            raise

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
    as the sqlite dialects read them, opened by `sqlite3`. Its waits are this module's, never
    SQLite's own."""
    (database,), options = SQLiteDialect_pysqlite().create_connect_args(url)
    # One holder at a time (the pool's checkout), on the loop's thread or, for a statement
    # moved off the loop, a worker thread while the holder awaits it.
    options.update(check_same_thread=False, timeout=0)
    statement_s = None if statement_timeout_ms is None else statement_timeout_ms / 1000

    async def connect() -> InlineConnection:
        return InlineConnection(
            sqlite3.connect(str(database), **options),
            busy_wait_s=busy_timeout_ms / 1000,
            statement_s=statement_s,
        )

    return connect
