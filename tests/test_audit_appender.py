"""The chain's single appender (catalog/core/appender.py): writes commit their audit events as
pending rows and one appender at a time links them, on SQLite and PostgreSQL.

- concurrent writes, in one process and from two, give one valid chain with every event once;
- a write's business transaction commits while another holds the chain lock (PostgreSQL);
- rows committed without an appender run (a crash between commit and link) are linked by the
  next run, once, also when two appenders race, and by the worker's audit step;
- `market verify-audit` names rows still pending;
- writers that commit during a run share the next run, and one that gives up cancels nobody's.
"""

import asyncio
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import text

from api.worker import Worker, audit_step
from catalog.core import appender
from catalog.core.appender import count_pending, link_pending, settle
from catalog.core.audit import AUDIT_CHAIN_LOCK_KEY, verify_chain
from catalog.core.db import Database
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, record_pending, write
from catalog.models import AuditEvent, OutboxEvent
from tests.databases import PostgresTemplates
from tests.test_cli import market

ACTOR = Principal(
    subject="appender-test",
    client_id=None,
    org_id=uuid.uuid4(),
    org_slug=None,
    org_name=None,
    kind=None,
    country=None,
    vetting=None,
)


async def _one_write(db: Database, n: int) -> None:
    async with write(db, ACTOR) as tx:
        tx.audit("test.written", "Test", f"w-{n}", {"n": n})
        tx.audit("test.noted", "Test", f"w-{n}", {"n": n, "second": True})
        tx.emit("test.changed", "Test", f"w-{n}")


async def _committed_unlinked(db: Database, n: int) -> None:
    """What a process that crashed right after its commit leaves: pending rows, no run."""
    async with db.write_session() as session, session.begin():
        tx = WriteTransaction(session=session, actor=ACTOR)
        tx.audit("test.orphaned", "Test", f"o-{n}", {"n": n})
        tx.emit("test.changed", "Test", f"o-{n}")
        await record_pending(tx)


async def _chain(db: Database) -> tuple[int, list[tuple[str, str, str]]]:
    """The verified chain's length and its (action, entity, prev_hash) in id order."""
    async with db.read() as session:
        report = await verify_chain(session)
        rows = (
            await session.execute(
                sa.select(AuditEvent.action, AuditEvent.entity_id, AuditEvent.prev_hash).order_by(
                    AuditEvent.id
                )
            )
        ).all()
    assert report.ok, report
    assert len({prev for _, _, prev in rows}) == len(rows)  # no two events share a predecessor
    return report.length, [tuple(row) for row in rows]


async def _outbox(db: Database) -> list[str]:
    async with db.read() as session:
        return list(
            await session.scalars(sa.select(OutboxEvent.entity_id).order_by(OutboxEvent.id))
        )


async def test_concurrent_writes_from_two_processes_make_one_chain(database_url: str) -> None:
    """Two Database instances stand for two API processes, each with its own appender."""
    first, second = Database(database_url, pool_size=5), Database(database_url, pool_size=5)
    try:
        writes = [_one_write((first, second)[n % 2], n) for n in range(40)]
        await asyncio.gather(*writes)
        length, rows = await _chain(first)
        assert length == 80 and await count_pending(first) == 0
        for n in range(40):  # each write's events in its own order
            mine = [action for action, entity, _ in rows if entity == f"w-{n}"]
            assert mine == ["test.written", "test.noted"]
        assert sorted(await _outbox(second)) == sorted(f"w-{n}" for n in range(40))
    finally:
        await first.dispose()
        await second.dispose()


@pytest.fixture
async def postgres_db(postgres_templates: PostgresTemplates | None) -> AsyncIterator[Database]:
    if postgres_templates is None:
        pytest.skip("PostgreSQL is not reachable (set REQUIRE_POSTGRES=1 to fail instead)")
    name = await postgres_templates.clone()
    db = Database(postgres_templates.url_for(name), pool_size=5)
    yield db
    await db.dispose()
    postgres_templates.drop_soon(name)


async def test_a_write_commits_while_another_holds_the_chain_lock(postgres_db: Database) -> None:
    """The business transaction takes no chain lock: it commits its pending rows while the
    lock is held elsewhere, and `write` returns, linked, once the lock is free. (PostgreSQL:
    on SQLite the chain lock is the database's write lock itself.)"""
    db = postgres_db
    holder = await db.engine.connect()
    await holder.begin()
    await holder.execute(text("SELECT pg_advisory_xact_lock(:k)"), {"k": AUDIT_CHAIN_LOCK_KEY})
    writing = asyncio.create_task(_one_write(db, 1))
    try:
        await _until(lambda: _pending_is(db, 2))
        assert not writing.done()  # read-your-writes: not before its events are linked
    finally:
        await holder.rollback()
        await holder.close()
    await asyncio.wait_for(writing, 30)
    length, _ = await _chain(db)
    assert length == 2 and await count_pending(db) == 0


async def _pending_is(db: Database, expected: int) -> bool:
    return await count_pending(db) == expected


async def _until(condition: Callable[[], Awaitable[bool]], seconds: float = 30) -> None:
    for _ in range(int(seconds * 20)):
        if await condition():
            return
        await asyncio.sleep(0.05)
    raise AssertionError("condition not reached")


async def test_rows_left_by_a_crash_are_linked_by_the_next_write_once(
    db: Database, database_url: str
) -> None:
    await _one_write(db, 0)
    await _committed_unlinked(db, 1)
    await _committed_unlinked(db, 2)
    assert (await _chain(db))[0] == 2 and await count_pending(db) == 2
    assert "test.orphaned" not in str(await _outbox(db)) and len(await _outbox(db)) == 1

    report = await market(database_url, "verify-audit")
    assert report.returncode == 0, report.stderr
    assert "2 audit events committed and not linked yet" in report.stderr
    assert "audit chain intact" in report.stderr and "2 events" in report.stderr

    await _one_write(db, 3)  # its run links the leftovers too
    length, rows = await _chain(db)
    assert length == 6 and await count_pending(db) == 0
    assert [entity for _, entity, _ in rows].count("o-1") == 1
    assert await link_pending(db) == 0  # nothing is linked twice
    assert (await _chain(db))[0] == 6
    assert sorted(await _outbox(db)) == ["o-1", "o-2", "w-0", "w-3"]
    report = await market(database_url, "verify-audit")
    assert report.returncode == 0 and "not linked" not in report.stderr


async def test_racing_appenders_never_fork_the_chain(database_url: str) -> None:
    first, second = Database(database_url, pool_size=5), Database(database_url, pool_size=5)
    try:
        for n in range(30):
            await _committed_unlinked(first, n)
        # Small batches: many appender transactions from both sides interleave.
        runs = [link_pending(db, batch=3) for _ in range(4) for db in (first, second)]
        linked = await asyncio.gather(*runs)
        assert sum(linked) == 30
        length, rows = await _chain(second)
        assert length == 30 and sorted(e for _, e, _ in rows) == sorted(f"o-{n}" for n in range(30))
        assert len(await _outbox(first)) == 30 and await count_pending(first) == 0
    finally:
        await first.dispose()
        await second.dispose()


async def test_the_worker_links_leftovers(db: Database) -> None:
    """Rows pending longer than a writer waits for its run are a crashed writer's: the
    worker's audit step links them; younger ones it leaves to their own writer's run."""
    assert await audit_step(db).run(lambda: False) == 0  # idle: nothing to do
    for n in range(3):
        await _committed_unlinked(db, n)
    assert await audit_step(db).run(lambda: False) == 0  # a writer's run may still come
    done, backoff = await Worker([audit_step(db, older_than=timedelta(0))]).run_once()
    assert (done, backoff) == (3, 0.0)
    assert (await _chain(db))[0] == 3 and await count_pending(db) == 0


async def test_a_failed_run_fails_its_writers_and_the_next_run_links_their_rows(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = appender._link_all

    async def failing(_conn: object, _batch: int) -> int:
        raise ValueError("the run failed")

    monkeypatch.setattr(appender, "_link_all", failing)
    with pytest.raises(ValueError, match="the run failed"):
        await _one_write(db, 1)
    assert await count_pending(db) == 2  # committed, waiting
    monkeypatch.setattr(appender, "_link_all", real)
    assert await settle(db) == 2
    assert (await _chain(db))[0] == 2


async def test_the_appender_reconnects_when_its_connection_was_dropped(
    postgres_db: Database,
) -> None:
    """A database restart drops the connection the appender keeps: the next run reconnects."""
    db = postgres_db
    await _one_write(db, 1)
    async with db.engine.connect() as admin:
        await admin.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        )
    await _one_write(db, 2)
    assert (await _chain(db))[0] == 4 and await count_pending(db) == 0


# ---------------------------------------------------------------- coalescing, without a database


class _Gate:
    """A stand-in for an appender run that waits until released."""

    def __init__(self) -> None:
        self.runs = 0
        self.started = asyncio.Event()
        self.release = asyncio.Event()

    async def __call__(self) -> int:
        self.runs += 1
        self.started.set()
        await self.release.wait()
        self.release.clear()
        return self.runs


async def test_writers_arriving_during_a_run_share_the_next_one() -> None:
    gate = _Gate()
    runs = appender.Coalescer(gate)
    first = asyncio.create_task(runs.after_now())
    await gate.started.wait()
    later = [asyncio.create_task(runs.after_now()) for _ in range(5)]
    gone = asyncio.create_task(runs.after_now())
    await asyncio.sleep(0)
    gone.cancel()  # a caller that gives up cancels nobody's run
    gate.release.set()
    assert await first == 1
    await _until(lambda: _is(gate.runs == 2))
    gate.release.set()
    assert await asyncio.gather(*later) == [2] * 5
    assert gate.runs == 2 and gone.cancelled()


async def _is(value: bool) -> bool:
    return value
