"""SQLite's driver: one hop to the connection's thread per statement, with the same answers,
counts, streaming and transactions as aiosqlite's own cursor (catalog/core/sqlite_driver.py)."""

import asyncio
import collections
import sqlite3
import threading
import time
import types
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any

import aiosqlite
import pytest
from sqlalchemy import Integer, literal_column, select, text

from catalog.core import sqlite_driver
from catalog.core.db import SQLITE_READ_CACHE_KIB, Database
from catalog.core.direct_reads import DirectRead
from catalog.core.sqlite_driver import PREFETCH_ROWS, LoopReader

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


async def _pooled_and_held(db: Database, read: DirectRead) -> None:
    """A read connection held for the loop's reads, and one more in the pool (a read that
    leaves the loop would otherwise open it, with hops of its own)."""
    await db.fetch(read, {"limit": 1})
    async with db.read() as session:
        await session.execute(text("SELECT 1"))


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
    await _pooled_and_held(db, read)
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


class _Checkout:
    """Stands in for the pool's handle of a checked-out connection, which is all `LoopReader`
    takes from the pool: the driver's connection, and `close` to give it back."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.driver_connection = types.SimpleNamespace(_conn=connection)
        self.returned = False

    def close(self) -> None:
        self.returned = True


def test_a_brief_read_does_not_wait_for_a_lock_on_the_loop(tmp_path: Path) -> None:
    """While another connection holds the file exclusively (a rollback journal here, where a
    writer locks readers out), the loop's reader gives up at once instead of waiting (its
    caller runs the read on a connection's thread, which waits as configured), and reads again
    once the lock is gone. Released, its connection is as the pool configured it."""
    path = tmp_path / "locked.db"
    setup = sqlite3.connect(path, isolation_level=None)
    setup.execute("CREATE TABLE t (n integer)")
    setup.execute("INSERT INTO t VALUES (7)")
    setup.close()
    connection = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
    connection.execute("PRAGMA busy_timeout = 5000")
    checkout = _Checkout(connection)
    reader = LoopReader(checkout)
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    started = time.perf_counter()
    assert reader.read("SELECT n FROM t", []) is None
    assert time.perf_counter() - started < 0.5  # not the five seconds configured
    holder.close()  # the transaction and its lock end with it
    assert reader.read("SELECT n FROM t", []) == [(7,)]
    reader.release()
    assert checkout.returned
    assert connection.execute("PRAGMA busy_timeout").fetchone() == (5000,)
    connection.close()


@ONLY_SQLITE
async def test_a_brief_read_that_finds_the_file_locked_waits_off_the_loop(
    db: Database, hops: collections.Counter[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The caller's side: a read the loop's reader gave up on runs on a pooled connection's
    thread, and the loop runs meanwhile."""
    read = _counting_to(3)
    await _pooled_and_held(db, read)
    gave_up: list[str] = []

    def locked(self: LoopReader, sql: str, arguments: object) -> None:
        gave_up.append(sql)

    monkeypatch.setattr(LoopReader, "read", locked)
    loop = asyncio.get_running_loop()
    started = loop.time()
    beats: list[float] = []
    loop.call_soon(lambda: beats.append(loop.time() - started))
    hops.clear()
    rows = await db.fetch(read, {"limit": 3_000_000})  # about a second of SQLite's work
    assert [tuple(r) for r in rows] == [(3_000_000,)]
    assert len(gave_up) == 1 and dict(hops) == {"_read_all": 1}
    assert beats and beats[0] < 0.5  # the loop ran while the read waited and ran


@ONLY_SQLITE
async def test_a_brief_read_on_another_thread_takes_the_pools_way(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The connection held for brief reads serves the thread that took it only: SQLite's
    connections are used by one thread at a time."""
    read = _counting_to(3)
    await db.fetch(read, {"limit": 3})  # held for this loop's thread
    readers: list[int] = []
    held_read = LoopReader.read

    def noting(self: LoopReader, sql: str, arguments: Sequence[Any]) -> list[Any] | None:
        readers.append(threading.get_ident())
        return held_read(self, sql, arguments)

    monkeypatch.setattr(LoopReader, "read", noting)
    rows = await asyncio.to_thread(asyncio.run, db.fetch(read, {"limit": 4}))
    assert [tuple(r) for r in rows] == [(4,)]
    assert readers == []
    assert [tuple(r) for r in await db.fetch(read, {"limit": 5})] == [(5,)]
    assert readers == [threading.get_ident()]


@ONLY_SQLITE
async def test_read_connections_keep_a_larger_page_cache_most_recent_first(db: Database) -> None:
    """A search at 100,000 products reads more pages than SQLite's default cache holds; the
    pool hands out the connection returned last, whose cache is warm."""
    async with db.read_connection() as first, db.read_connection() as second:
        pages = (await first.exec_driver_sql("PRAGMA cache_size")).scalar_one()
        first_driver = (await first.get_raw_connection()).driver_connection
        second_driver = (await second.get_raw_connection()).driver_connection
    assert pages == -SQLITE_READ_CACHE_KIB
    assert first_driver is not second_driver
    async with db.read_connection() as again:
        # `first` was returned last (the inner context closes first).
        assert (await again.get_raw_connection()).driver_connection is first_driver
