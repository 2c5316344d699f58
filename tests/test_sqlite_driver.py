"""SQLite's driver: one hop to the connection's thread per statement, with the same answers,
counts, streaming and transactions as aiosqlite's own cursor (catalog/core/sqlite_driver.py)."""

import asyncio
import collections
import functools
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import aiosqlite
import pytest
from sqlalchemy import Integer, literal_column, select, text

from catalog.core import sqlite_driver
from catalog.core.db import Database
from catalog.core.direct_reads import DirectRead
from catalog.core.sqlite_driver import PREFETCH_ROWS, OneHopConnection

ONLY_SQLITE = pytest.mark.parametrize("backend", ["sqlite"])


@pytest.fixture
def hops(monkeypatch: pytest.MonkeyPatch) -> Iterator[collections.Counter[str]]:
    """Every call queued to a connection's thread, by the function it runs."""
    counted: collections.Counter[str] = collections.Counter()
    queue = aiosqlite.Connection._execute

    async def counting(
        self: aiosqlite.Connection, fn: object, *args: object, **kwargs: object
    ) -> object:
        counted[getattr(fn, "__name__", type(fn).__name__)] += 1
        return await queue(self, fn, *args, **kwargs)

    monkeypatch.setattr(aiosqlite.Connection, "_execute", counting)
    yield counted


async def _scratch(db: Database, rows: int) -> None:
    async with db.write_session() as session, session.begin():
        await session.execute(text("CREATE TABLE scratch (n integer PRIMARY KEY, label text)"))
        await session.execute(
            text("INSERT INTO scratch (n, label) VALUES (:n, :label)"),
            [{"n": n, "label": f"row {n}"} for n in range(rows)],
        )


@ONLY_SQLITE
async def test_a_read_is_one_hop_and_rolls_nothing_back(
    db: Database, hops: collections.Counter[str]
) -> None:
    await _scratch(db, 3)
    async with db.read() as session:  # the pool's connection opened (pragmas, functions)
        await session.execute(text("SELECT 1"))
    hops.clear()
    async with db.read() as session:
        rows = (await session.execute(text("SELECT n, label FROM scratch ORDER BY n"))).all()
    assert [tuple(r) for r in rows] == [(0, "row 0"), (1, "row 1"), (2, "row 2")]
    assert dict(hops) == {"_run": 1}


@ONLY_SQLITE
async def test_a_long_result_is_read_in_chunks_and_whole(db: Database) -> None:
    total = PREFETCH_ROWS * 2 + 7
    await _scratch(db, total)
    async with db.read() as session:
        everything = (await session.execute(text("SELECT n FROM scratch ORDER BY n"))).all()
        assert [r.n for r in everything] == list(range(total))
        streamed = await session.stream(text("SELECT n FROM scratch ORDER BY n"))
        seen = [row.n async for row in streamed]
        assert seen == list(range(total))
        # A result left unread is closed with its session; the next statement is unaffected.
        partial = await session.stream(text("SELECT n FROM scratch ORDER BY n"))
        assert (await partial.fetchmany(3))[-1].n == 2
        await partial.close()
        assert await session.scalar(text("SELECT count(*) FROM scratch")) == total


@ONLY_SQLITE
async def test_counts_returning_and_rollback_in_a_write(db: Database) -> None:
    await _scratch(db, 10)
    async with db.write_session() as session, session.begin():
        changed = await session.execute(text("UPDATE scratch SET label = 'x' WHERE n < 4"))
        assert changed.rowcount == 4  # type: ignore[attr-defined]
        returned = await session.execute(
            text("INSERT INTO scratch (n, label) VALUES (100, 'new') RETURNING n, label")
        )
        assert [tuple(r) for r in returned] == [(100, "new")]
    with pytest.raises(RuntimeError):
        async with db.write_session() as session, session.begin():
            await session.execute(text("DELETE FROM scratch"))
            raise RuntimeError("abandon the write")
    async with db.read() as session:
        assert await session.scalar(text("SELECT count(*) FROM scratch")) == 11
        assert await session.scalar(text("SELECT count(*) FROM scratch WHERE label = 'x'")) == 4


@ONLY_SQLITE
async def test_a_failing_statement_raises_and_leaves_the_connection_usable(db: Database) -> None:
    await _scratch(db, 1)
    with pytest.raises(Exception, match="UNIQUE"):
        async with db.write_session() as session, session.begin():
            await session.execute(text("INSERT INTO scratch (n, label) VALUES (0, 'again')"))
    async with db.write_session() as session, session.begin():
        await session.execute(text("INSERT INTO scratch (n, label) VALUES (1, 'next')"))
    async with db.read() as session:
        assert await session.scalar(text("SELECT count(*) FROM scratch")) == 2


def _counting_to(limit: int) -> DirectRead:
    """A read of one row whose running time grows with `limit`."""
    numbers = text(
        "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :limit) "
        "SELECT count(*) AS counted FROM n"
    ).columns(counted=Integer)
    return DirectRead(select(numbers.subquery().c.counted), brief=True)


@ONLY_SQLITE
async def test_a_brief_read_runs_on_the_loops_thread(
    db: Database, hops: collections.Counter[str]
) -> None:
    read = _counting_to(10)
    assert [tuple(r) for r in await db.fetch(read, {"limit": 10})] == [(10,)]  # pool opened
    hops.clear()
    assert [tuple(r) for r in await db.fetch(read, {"limit": 20})] == [(20,)]
    assert dict(hops) == {}


@ONLY_SQLITE
async def test_a_brief_read_that_runs_long_moves_to_the_connections_thread(
    db: Database, hops: collections.Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """Interrupted on the loop's thread once past its allowance, run again whole on the
    connection's: the same answer, and the loop held for about the allowance only."""
    read = _counting_to(10)
    await db.fetch(read, {"limit": 10})
    monkeypatch.setattr(sqlite_driver, "BRIEF_READ_S", 0.002)
    held: list[float] = []
    loop = asyncio.get_running_loop()
    started = loop.time()
    beat = loop.call_soon(lambda: held.append(loop.time() - started))
    hops.clear()
    rows = await db.fetch(read, {"limit": 3_000_000})  # about a second of SQLite's work
    assert [tuple(r) for r in rows] == [(3_000_000,)]
    assert dict(hops) == {"_read_all": 1}
    assert not beat.cancelled() and held and held[0] < 0.5  # the loop ran while SQLite did


@ONLY_SQLITE
async def test_a_brief_read_that_fails_raises_its_own_error(db: Database) -> None:
    broken = DirectRead(select(literal_column("no_such_column").label("missing")), brief=True)
    with pytest.raises(sqlite3.OperationalError, match="no_such_column"):
        await db.fetch(broken, {})
    assert [tuple(r) for r in await db.fetch(_counting_to(3), {"limit": 3})] == [(3,)]


async def test_a_brief_read_does_not_wait_for_a_lock_on_the_loop(
    tmp_path: Path, hops: collections.Counter[str]
) -> None:
    """While another connection holds the file exclusively (a rollback journal here, where a
    writer locks readers out), a brief read goes to the connection's thread and waits there as
    configured; the loop keeps running and the read answers once the lock is released."""
    path = str(tmp_path / "locked.db")
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("CREATE TABLE t (n integer)")
    setup.execute("INSERT INTO t VALUES (7)")
    setup.close()
    connect = functools.partial(sqlite3.connect, path, check_same_thread=False)
    connection = OneHopConnection(connect, 64)
    await connection
    try:
        await connection.on_thread(lambda: connection._conn.execute("PRAGMA busy_timeout = 5000"))
        holder = sqlite3.connect(path, isolation_level=None)
        holder.execute("BEGIN EXCLUSIVE")
        loop = asyncio.get_running_loop()
        started = loop.time()
        ran: list[float] = []
        loop.call_soon(lambda: ran.append(loop.time() - started))
        loop.call_later(0.3, holder.close)  # the transaction and its lock end with it
        hops.clear()
        assert await connection.read_all("SELECT n FROM t", [], brief=True) == [(7,)]
        assert dict(hops) == {"_read_all": 1}
        assert loop.time() - started >= 0.25  # it waited for the lock...
        assert ran and ran[0] < 0.2  # ...off the loop, which ran meanwhile
        busy_timeout = await connection.on_thread(
            lambda: connection._conn.execute("PRAGMA busy_timeout").fetchone()[0]
        )
        assert busy_timeout == 5000  # as configured again after the brief attempt
    finally:
        await connection.close()
