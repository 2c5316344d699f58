"""The chain's single appender: links committed writes' audit events into the hash chain.

A write (catalog/core/transactions.py) commits its audit events to `audit_pending` and its
outbox rows to `outbox_pending`, in the same transaction as its business change, without
touching the chain: no lock, no read of the chain head. So writers no longer queue behind one
lock held until each commit.

After its commit a writer calls `settle(db)`. One appender transaction at a time (the
PostgreSQL advisory lock `lock_chain`; on SQLite the write lock taken by BEGIN IMMEDIATE)
takes the pending rows in id order, reads the chain head, inserts the `audit_event` rows with
their links (ids ascending in chain order, so `verify_chain` reads the chain as it always
did), moves the outbox rows into `outbox_event` (their ids therefore still grow in commit
order, which the outbox consumers rely on), deletes what it linked and commits: all of it or
none, so a crash at any point leaves the rows pending for the next run, never links one twice.

Group commit: in each process, writers that commit while a run is in progress wait for the
next run, and that one run links all of them. `settle` returns once a run that began after
its call has finished, so a writer reads its own audit events as soon as `write()` returns
(a run in another process that linked them first counts: the lock orders the runs). Rows a
crashed process left are linked by the next run anywhere; `market worker` runs one
periodically (`link_leftovers`), and `market verify-audit` reports rows still pending.

SQLite takes the same path. Its writers are already serialised (one write connection,
BEGIN IMMEDIATE), so it gains no concurrency; it keeps one mechanism and one set of tests for
both databases, and a run links many writers' rows in one short transaction. Measured on the
quotes benchmark, the deferred path costs SQLite no throughput worth a second mechanism (see
README, Performance).
"""

import asyncio
import itertools
import weakref
from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from catalog.core.audit import event_hash, last_hash, lock_chain
from catalog.core.db import Database
from catalog.core.live import announce
from catalog.models import AuditEvent, AuditPending, OutboxEvent, OutboxPending

BATCH = 1000  # pending rows of each table per appender transaction


def _table(model: type[SQLModel]) -> sa.Table:
    table = sa.inspect(model).local_table  # SQLModel declares no typed __table__
    assert isinstance(table, sa.Table)
    return table


_AUDIT = _table(AuditEvent)
_OUTBOX = _table(OutboxEvent)
AUDIT_PENDING = _table(AuditPending)
OUTBOX_PENDING = _table(OutboxPending)


class ChainOrderError(RuntimeError):
    """The database assigned audit ids out of the order the chain links them (never expected;
    the transaction is rolled back rather than leaving a chain `verify_chain` would reject)."""


async def _take(session: AsyncSession, table: sa.Table, batch: int) -> list[sa.Row[Any]]:
    """Delete the oldest `batch` pending rows and return them in id order."""
    oldest = sa.select(table.c.id).order_by(table.c.id).limit(batch).scalar_subquery()
    taken = await session.execute(
        sa.delete(table).where(table.c.id.in_(oldest)).returning(*table.c)
    )
    return sorted(taken.all(), key=lambda row: int(row.id))


def _linked(rows: Sequence[sa.Row[Any]], prev: str) -> list[dict[str, Any]]:
    events = []
    for row in rows:
        digest = event_hash(
            prev_hash=prev,
            occurred_at=row.occurred_at,
            actor=row.actor,
            actor_org_id=str(row.actor_org_id) if row.actor_org_id else None,
            action=row.action,
            entity_type=row.entity_type,
            entity_id=row.entity_id,
            data=row.data,
        )
        events.append(
            {
                "occurred_at": row.occurred_at,
                "actor": row.actor,
                "actor_org_id": row.actor_org_id,
                "action": row.action,
                "entity_type": row.entity_type,
                "entity_id": row.entity_id,
                "data": row.data,
                "prev_hash": prev,
                "hash": digest,
            }
        )
        prev = digest
    return events


async def _insert_chain(session: AsyncSession, rows: Sequence[sa.Row[Any]]) -> None:
    events = _linked(rows, await last_hash(session))
    inserted = await session.execute(
        sa.insert(_AUDIT).returning(_AUDIT.c.id, sort_by_parameter_order=True), events
    )
    ids = [int(row.id) for row in inserted]
    if any(later <= earlier for earlier, later in itertools.pairwise(ids)):
        raise ChainOrderError(f"audit ids {ids[:5]}… do not ascend in chain order")


async def _link_batch(session: AsyncSession, batch: int) -> tuple[int, int]:
    await lock_chain(session)  # before the first read: every statement after it sees the head
    audits = await _take(session, AUDIT_PENDING, batch)
    outbox = await _take(session, OUTBOX_PENDING, batch)
    if audits:
        await _insert_chain(session, audits)
    if outbox:
        await session.execute(
            sa.insert(_OUTBOX),
            [
                {
                    "created_at": row.created_at,
                    "topic": row.topic,
                    "entity_type": row.entity_type,
                    "entity_id": row.entity_id,
                    "payload": row.payload,
                }
                for row in outbox
            ],
        )
        await announce(session)
    return len(audits), len(outbox)


async def link_pending(db: Database, batch: int = BATCH) -> int:
    """Link every row pending when the call began (and any committed meanwhile), one
    transaction per batch; the number of audit events linked. Safe beside other appenders in
    this or any process: each transaction holds the chain lock."""
    linked = 0
    while True:
        async with db.write_session() as session, session.begin():
            audits, outbox = await _link_batch(session, batch)
        linked += audits
        if audits < batch and outbox < batch:
            return linked


async def count_pending(db: Database) -> int:
    """Audit events committed and not linked yet (in-flight writes, or a crashed process's)."""
    async with db.read() as session:
        return int(await session.scalar(sa.select(sa.func.count()).select_from(AUDIT_PENDING)) or 0)


async def link_leftovers(db: Database) -> int:
    """For a periodic caller (the worker): link what is pending, reading first so that an idle
    database costs no write transaction."""
    async with db.read() as session:
        waiting = await session.scalar(
            sa.select(
                sa.exists(sa.select(AUDIT_PENDING.c.id)) | sa.exists(sa.select(OUTBOX_PENDING.c.id))
            )
        )
    return await settle(db) if waiting else 0


# ---------------------------------------------------------------- one appender per process


class _Appender:
    """Runs `link_pending` one at a time; callers arriving during a run share the next one."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self._next: asyncio.Future[int] | None = None  # the run that starts after the current
        self._running: asyncio.Task[None] | None = None

    async def settle(self, db: Database) -> int:
        awaited = self._next
        if awaited is None:
            awaited = self._next = self.loop.create_future()
            if self._running is None:
                self._start(db)
        # Shielded: a caller that gives up (a client gone) must not cancel the others' run.
        return await asyncio.shield(awaited)

    def _start(self, db: Database) -> None:
        future, self._next = self._next, None
        assert future is not None
        self._running = self.loop.create_task(self._run(db, future))

    async def _run(self, db: Database, future: asyncio.Future[int]) -> None:
        try:
            linked = await link_pending(db)
        except asyncio.CancelledError:  # the loop is closing: nobody runs after this
            for waiting in (future, self._next):
                if waiting is not None:
                    waiting.cancel()
            self._next = self._running = None
            raise
        except Exception as error:  # the waiters get it; their rows stay pending
            future.set_exception(error)
        else:
            future.set_result(linked)
        self._running = None
        if self._next is not None:
            self._start(db)


_appenders: "weakref.WeakKeyDictionary[Database, _Appender]" = weakref.WeakKeyDictionary()


async def settle(db: Database) -> int:
    """Return once an appender run that began after this call has finished, i.e. once every
    write this process committed before the call is linked; the number that run linked."""
    loop = asyncio.get_running_loop()
    appender = _appenders.get(db)
    if appender is None or appender.loop is not loop:
        appender = _appenders[db] = _Appender(loop)
    return await appender.settle(db)
