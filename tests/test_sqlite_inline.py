"""The SQLite read driver (catalog/core/sqlite_inline.py): reads run on the event loop's
thread with the same rows, types and errors as before, see what the write engine committed,
never hold the loop while SQLite is busy or a statement runs long, and stop at the statement
timeout. SQLite only, by nature: PostgreSQL has its own driver."""

import asyncio
import sqlite3
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import contextmanager
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event, exc, select, text, update
from sqlmodel import col

import catalog.core.db as db_module
from catalog.core.db import Database, is_statement_timeout
from catalog.demo.seed import seed_demo
from catalog.models import DocumentBlob, Organisation, Product
from tests.databases import SqliteTemplates

# Counts to `top` on SQLite's side only: a statement as long as wanted, with no Python in it.
COUNT_TO = (
    "SELECT (WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < :top) "
    "SELECT count(*) FROM n), thread_id()"
)


@pytest.fixture
def sqlite_url(sqlite_templates: SqliteTemplates) -> str:
    return sqlite_templates.url_for(sqlite_templates.clone())


def _with_thread_id(db: Database) -> Database:
    """`thread_id()` in SQL: the thread that runs the statement, on every connection."""
    for engine in (db.engine, db.write_engine):

        @event.listens_for(engine.sync_engine, "connect")
        def register(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.create_function("thread_id", 0, threading.get_ident)

    return db


@pytest.fixture
async def sqlite_db(sqlite_url: str) -> AsyncIterator[Database]:
    database = _with_thread_id(Database(sqlite_url, pool_size=2))
    yield database
    await database.dispose()


@contextmanager
def exclusive_lock(url: str) -> Iterator[sqlite3.Connection]:
    """Another connection holding the database file exclusively (on WAL, only an
    exclusive-mode connection can keep readers out), until the block ends."""
    blocker = sqlite3.connect(url.split("///", 1)[1], isolation_level=None)
    blocker.execute("PRAGMA locking_mode=EXCLUSIVE")
    blocker.execute("BEGIN EXCLUSIVE")
    try:
        yield blocker
    finally:
        blocker.close()  # on WAL an exclusive-mode connection keeps its lock until it closes


async def test_a_read_runs_on_the_event_loops_thread(sqlite_db: Database) -> None:
    async with sqlite_db.read() as session:
        ran_on = (await session.execute(text("SELECT thread_id()"))).scalar_one()
    assert ran_on == threading.get_ident()


async def test_writes_still_run_on_their_own_thread(sqlite_db: Database) -> None:
    """A writer may wait for the file lock: never on the loop."""
    async with sqlite_db.write_session() as session, session.begin():
        ran_on = (await session.execute(text("SELECT thread_id()"))).scalar_one()
    assert ran_on != threading.get_ident()


async def test_rows_and_types_are_what_the_write_engine_reads(sqlite_db: Database) -> None:
    await seed_demo(sqlite_db)
    async with sqlite_db.write_session() as session, session.begin():
        session.add(DocumentBlob(sha256="ab" * 32, size=4, content=b"\x00\xff\x00\n"))
        await session.execute(
            update(Product).where(col(Product.sku) == "GD-100").values(unit_price_eur=None)
        )

    tables = [Product.__table__, Organisation.__table__, DocumentBlob.__table__]
    queries = [select(table).order_by(*table.primary_key.columns) for table in tables]
    async with sqlite_db.read() as session:
        read = [[tuple(r) for r in (await session.execute(q)).all()] for q in queries]
    async with sqlite_db.write_session() as session:
        written = [[tuple(r) for r in (await session.execute(q)).all()] for q in queries]

    assert all(rows for rows in read)
    assert read == written
    assert [[tuple(map(type, r)) for r in rows] for rows in read] == [
        [tuple(map(type, r)) for r in rows] for rows in written
    ]

    products = await _products(sqlite_db)
    assert {type(p.unit_price_eur) for p in products} == {Decimal, type(None)}
    assert all(isinstance(p.specs, dict) and p.specs for p in products)
    assert all(isinstance(p.created_at, datetime) for p in products)
    async with sqlite_db.read() as session:
        assert await session.scalar(select(col(DocumentBlob.content))) == b"\x00\xff\x00\n"


async def _products(db: Database) -> list[Product]:
    async with db.read() as session:
        return list((await session.execute(select(Product))).scalars())


async def test_plain_values_and_nulls(sqlite_db: Database) -> None:
    async with sqlite_db.engine.connect() as conn:
        row = (await conn.execute(text("SELECT NULL, 7, 1.5, 'ü', x'00ff'"))).one()
        none = (await conn.execute(text("SELECT 1 WHERE 0"))).first()
    assert tuple(row) == (None, 7, 1.5, "ü", b"\x00\xff")
    assert none is None


async def test_rowcount_lastrowid_and_errors_map_as_before(sqlite_db: Database) -> None:
    """On a temporary table, so that the database file is never written through reads."""
    async with sqlite_db.engine.connect() as conn:
        await conn.execute(text("CREATE TEMP TABLE t (id INTEGER PRIMARY KEY, v TEXT UNIQUE)"))
        one = await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        assert (one.rowcount, one.lastrowid) == (1, 1)
        many = await conn.execute(text("INSERT INTO t (v) VALUES (:v)"), [{"v": "b"}, {"v": "c"}])
        assert many.rowcount == 2
        changed = await conn.execute(text("UPDATE t SET v = v || '!' WHERE id > 1"))
        assert changed.rowcount == 2
        with pytest.raises(exc.IntegrityError):
            await conn.execute(text("INSERT INTO t (v) VALUES ('a')"))
        with pytest.raises(exc.OperationalError):
            await conn.execute(text("SELECT * FROM no_such_table"))
        values = (await conn.execute(text("SELECT v FROM t ORDER BY id"))).scalars().all()
    assert values == ["a", "b!", "c!"]


async def test_a_read_sees_what_the_write_engine_committed(sqlite_db: Database) -> None:
    await seed_demo(sqlite_db)
    name = select(col(Organisation.name)).where(col(Organisation.slug) == "demo-curator")
    async with sqlite_db.read() as earlier:
        before = await earlier.scalar(name)  # this read's snapshot starts here
        async with sqlite_db.write_session() as session, session.begin():
            await session.execute(
                update(Organisation)
                .where(col(Organisation.slug) == "demo-curator")
                .values(name="Renamed curator")
            )
        assert await earlier.scalar(name) == before  # WAL: the snapshot holds
    async with sqlite_db.read() as later:
        assert await later.scalar(name) == "Renamed curator"


async def test_a_busy_database_is_waited_for_without_holding_the_loop(sqlite_url: str) -> None:
    db = Database(sqlite_url, pool_size=1)
    ticks = 0

    async def tick() -> None:
        nonlocal ticks
        while True:
            await asyncio.sleep(0.001)
            ticks += 1

    ticker = asyncio.create_task(tick())
    try:
        with exclusive_lock(sqlite_url) as blocker:
            # Released by the loop itself: had the read blocked the loop, it would stay locked
            # until the read gave up.
            asyncio.get_running_loop().call_later(0.2, blocker.close)
            async with db.read() as session:
                count = await session.scalar(text("SELECT count(*) FROM country"))
    finally:
        ticker.cancel()
        await db.dispose()
    assert count and count > 0
    assert ticks > 0


async def test_busy_past_the_busy_timeout_is_an_operational_error(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(db_module, "SQLITE_BUSY_TIMEOUT_MS", 50)
    db = Database(sqlite_url, pool_size=1)
    try:
        with exclusive_lock(sqlite_url), pytest.raises(exc.OperationalError) as raised:
            async with db.read() as session:
                await session.scalar(text("SELECT count(*) FROM country"))
    finally:
        await db.dispose()
    assert "locked" in str(raised.value)
    assert not is_statement_timeout(raised.value)


async def test_a_long_read_moves_off_the_loop_and_answers(sqlite_db: Database) -> None:
    async with sqlite_db.read() as session:
        count, ran_on = (await session.execute(text(COUNT_TO), {"top": 3_000_000})).one()
        short_ran_on = (await session.execute(text("SELECT thread_id()"))).scalar_one()
    assert count == 3_000_000
    assert ran_on != threading.get_ident()
    assert short_ran_on == threading.get_ident()


async def test_a_statement_past_the_timeout_is_cancelled(sqlite_url: str) -> None:
    db = _with_thread_id(Database(sqlite_url, pool_size=1, statement_timeout_ms=200))
    try:
        with pytest.raises(exc.OperationalError) as raised:
            async with db.read() as session:
                await session.execute(text(COUNT_TO), {"top": 10**12})
        assert is_statement_timeout(raised.value)
        async with db.read() as session:
            assert (await session.execute(text(COUNT_TO), {"top": 10})).one()[0] == 10
    finally:
        await db.dispose()


async def test_a_cancelled_long_read_stops_and_frees_its_connection(sqlite_url: str) -> None:
    db = _with_thread_id(Database(sqlite_url, pool_size=1))
    db.engine.sync_engine.pool._max_overflow = 0  # one connection: the next read reuses it
    started = asyncio.Event()

    async def long_read() -> None:
        async with db.read() as session:
            started.set()
            await session.execute(text(COUNT_TO), {"top": 10**12})

    try:
        task = asyncio.create_task(long_read())
        await started.wait()
        await asyncio.sleep(0.1)  # past its slice: running on a worker thread by now
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        async with db.read() as session:
            assert (await session.execute(text(COUNT_TO), {"top": 10})).one()[0] == 10
    finally:
        await db.dispose()


async def test_options_in_the_url_still_apply(tmp_path: Path) -> None:
    """The URL means what it meant for aiosqlite (here: a read-only URI)."""
    path = tmp_path / "x.db"
    setup = sqlite3.connect(path)
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE t (a)")
    setup.commit()
    setup.close()
    db = Database(f"sqlite+aiosqlite:///file:{path}?mode=ro&uri=true")
    try:
        async with db.engine.connect() as conn:
            assert (await conn.execute(text("SELECT count(*) FROM t"))).scalar() == 0
            with pytest.raises(exc.OperationalError, match="readonly"):
                await conn.execute(text("INSERT INTO t VALUES (1)"))
    finally:
        await db.dispose()
