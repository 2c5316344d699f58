"""aiosqlite with one hop to the connection's thread per statement.

aiosqlite runs every call on the connection's own thread: each call is a queue put, a thread
wake-up and a callback scheduled back onto the event loop. SQLAlchemy's adapter makes four such
calls per statement (open a cursor, execute, fetch, close) and a fifth to roll back when a
session ends, even when no transaction is open. Here a statement is opened, run, fetched and, when
its rows are all read, closed in one call on the thread; a rollback with nothing to roll back is
not sent. A result longer than `PREFETCH_ROWS` keeps its cursor open and is read in further
calls, so a streamed read still holds only a chunk in memory.

A read known to be short runs on the event loop's own thread instead (`LoopReader`), as a
plain `sqlite3` call: no hop at all. A hop costs about as much CPU as a lookup by id, and with
the server on one core the thread only competes with the loop for it. "Short" is enforced, not
assumed: SQLite calls a progress handler every thousand instructions, and a read still running
after `BRIEF_READ_S` is interrupted there and run again on a connection's thread (a read
changes nothing, so running it twice is safe), so the loop never waits on one statement for
longer than that. Nor does it wait for a lock: on the loop a read does not wait for a busy
database file (a WAL recovery, an exclusive-mode connection) but goes to a thread, which waits
as every statement does.

Everything else (connecting, commits, functions, closing) is aiosqlite's own.
"""

import sqlite3
import threading
import time
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any, TypeVar, cast

import aiosqlite
from sqlalchemy.dialects.sqlite.aiosqlite import SQLiteDialect_aiosqlite
from sqlalchemy.engine import URL

PREFETCH_ROWS = 1000
# How long a read may hold the event loop before it moves to the connection's thread, and how
# many SQLite instructions run between two looks at the clock. A page of fifty products reads
# in 0.3-0.7 ms on a quiet core; under load on a slower machine a quarter of page reads passed
# 1 ms, were given up and ran again on the thread, twice the work (5 ms: none given up, and the
# products page served 1.19x the requests at 0.84x the CPU). A request's own Python work holds
# the loop for longer than that anyway; what the bound keeps off the loop is a scan.
BRIEF_READ_S = 0.005
INSTRUCTIONS_PER_CHECK = 1000
ITER_CHUNK_SIZE = 64
T = TypeVar("T")


class OneHopCursor:
    """The subset of aiosqlite's cursor that SQLAlchemy's adapter calls. The state it reports
    (description, rowcount, lastrowid) is read on the connection's thread with the rows."""

    def __init__(self, connection: "OneHopConnection") -> None:
        self._connection = connection
        self._open: sqlite3.Cursor | None = None
        self._rows: list[Any] = []
        self.description: Any = None
        self.rowcount = -1
        self.lastrowid: int | None = None
        self.arraysize = 1

    async def __aenter__(self) -> "OneHopCursor":
        return self

    async def __aexit__(self, *_exc: object) -> None:
        await self.close()

    def _run(self, run: Callable[[sqlite3.Cursor], Any]) -> None:
        """On the connection's thread: run, note the cursor's state, read the first rows."""
        cursor = self._connection._conn.cursor()
        try:
            run(cursor)
            self.description = cursor.description
            self.lastrowid = cursor.lastrowid
            rows = cursor.fetchmany(PREFETCH_ROWS) if cursor.description else []
            self.rowcount = cursor.rowcount
        except BaseException:
            cursor.close()
            raise
        self._rows = rows
        if len(rows) < PREFETCH_ROWS:
            cursor.close()
        else:
            self._open = cursor

    async def execute(self, sql: str, parameters: Sequence[Any] | None = None) -> "OneHopCursor":
        await self._drop_open()
        args = () if parameters is None else (parameters,)
        await self._connection.on_thread(self._run, lambda c: c.execute(sql, *args))
        return self

    async def executemany(self, sql: str, parameters: Sequence[Any]) -> "OneHopCursor":
        await self._drop_open()
        await self._connection.on_thread(self._run, lambda c: c.executemany(sql, parameters))
        return self

    def _read_more(self, size: int | None) -> list[Any]:
        cursor = self._open
        assert cursor is not None
        more = cursor.fetchall() if size is None else cursor.fetchmany(size)
        self.rowcount = cursor.rowcount
        if size is None or len(more) < size:
            cursor.close()
            self._open = None
        return more

    async def fetchmany(self, size: int | None = None) -> list[Any]:
        wanted = self.arraysize if size is None else size
        while len(self._rows) < wanted and self._open is not None:
            self._rows += await self._connection.on_thread(self._read_more, PREFETCH_ROWS)
        taken, self._rows = self._rows[:wanted], self._rows[wanted:]
        return taken

    async def fetchone(self) -> Any:
        rows = await self.fetchmany(1)
        return rows[0] if rows else None

    async def fetchall(self) -> list[Any]:
        rows, self._rows = self._rows, []
        if self._open is not None:
            rows += await self._connection.on_thread(self._read_more, None)
        return rows

    async def _drop_open(self) -> None:
        self._rows = []
        if self._open is not None:
            cursor, self._open = self._open, None
            await self._connection.on_thread(cursor.close)

    async def close(self) -> None:
        await self._drop_open()


class OneHopConnection(aiosqlite.Connection):
    async def on_thread(self, function: Callable[..., T], *args: Any) -> T:
        """`function(*args)` on the connection's thread: one hop."""
        return cast(T, await self._execute(function, *args))  # type: ignore[no-untyped-call]

    async def read_all(self, sql: str, arguments: Sequence[Any]) -> list[Any]:
        """Every row of a read in one hop."""
        return await self.on_thread(_read_all, self._conn, sql, arguments)

    def cursor(self) -> OneHopCursor:  # type: ignore[override]
        # SQLAlchemy enters the cursor (`await cursor.__aenter__()`); opening one costs no hop.
        return OneHopCursor(self)

    async def rollback(self) -> None:
        # Reading whether a transaction is open touches no statement: safe off the thread.
        if self._connection is not None and self._connection.in_transaction:
            await super().rollback()


class Deadline:
    """A progress handler's answer: stop (a true value) once the clock has passed `at`."""

    __slots__ = ("at", "reached")

    def __init__(self, at: float) -> None:
        self.at = at
        self.reached = False

    def passed(self) -> bool:
        if time.perf_counter() > self.at:
            self.reached = True
        return self.reached


class LoopReader:
    """One connection of the read pool, held by its database for brief reads on the event
    loop's thread. One connection serves them all: a read on the loop runs to its end before
    anything else does, so two never share it. Held, it is set up once (no busy timeout, the
    progress handler installed) rather than around every read, and no read pays the pool's
    checkout and checkin, which cost as much as the read's own statement. `release` puts it
    back as it was."""

    def __init__(self, pooled: Any) -> None:
        self.pooled = pooled  # the pool's handle (a checked-out connection)
        self.thread = threading.get_ident()
        self._conn: sqlite3.Connection = pooled.driver_connection._conn
        self._busy_timeout_ms = int(self._conn.execute("PRAGMA busy_timeout").fetchone()[0])
        self._deadline = Deadline(0.0)
        self._conn.execute("PRAGMA busy_timeout = 0")
        self._conn.set_progress_handler(self._deadline.passed, INSTRUCTIONS_PER_CHECK)

    def read(self, sql: str, arguments: Sequence[Any]) -> list[Any] | None:
        """The rows, or None when the read outran `BRIEF_READ_S` and was interrupted, or found
        the database busy: the caller runs it on a connection's thread."""
        deadline = self._deadline
        deadline.at = time.perf_counter() + BRIEF_READ_S
        deadline.reached = False
        try:
            return _read_all(self._conn, sql, arguments)
        except sqlite3.OperationalError as error:
            if deadline.reached or _is_busy(error):
                return None
            raise

    def release(self) -> None:
        self._conn.set_progress_handler(None, 0)
        self._conn.execute(f"PRAGMA busy_timeout = {self._busy_timeout_ms:d}")
        self.pooled.close()


def _is_busy(error: sqlite3.Error) -> bool:
    """SQLITE_BUSY or one of its extended codes (recovery, snapshot, timeout)."""
    return (getattr(error, "sqlite_errorcode", 0) & 0xFF) == sqlite3.SQLITE_BUSY


def _read_all(connection: sqlite3.Connection, sql: str, arguments: Sequence[Any]) -> list[Any]:
    cursor = connection.execute(sql, arguments)
    try:
        return cursor.fetchall()
    finally:
        cursor.close()


def one_hop_creator(url: URL, *, brief_reads: bool = False) -> Callable[[], Any]:
    """`async_creator` for `create_async_engine`: the connection SQLAlchemy's aiosqlite dialect
    would open for `url` (same file, same sqlite3 options), with one hop per statement.
    `brief_reads`: the connection may also be used from the loop's thread (`LoopReader`); it is
    still used by one thread at a time."""
    dialect = SQLiteDialect_aiosqlite(dbapi=SQLiteDialect_aiosqlite.import_dbapi())
    args, options = dialect.create_connect_args(url)
    if brief_reads:
        options = {**options, "check_same_thread": False}
    connect = partial(sqlite3.connect, *args, **options)

    async def create() -> OneHopConnection:
        connection = OneHopConnection(connect, ITER_CHUNK_SIZE)
        await connection  # starts the thread and connects on it
        return connection

    return create
