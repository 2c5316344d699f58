"""Outbox consumers: each one processes `outbox_event` rows in id order, exactly as far as its
`outbox_cursor` says, and handlers are idempotent (a batch may be seen again after a crash).

Outbox ids grow in commit order (the chain's appender moves a write's rows from
`audit_pending` into `outbox_event` under the audit lock, catalog/core/appender.py), so
"every event after my cursor" never skips an event that commits later with a smaller id.

The cursor is consumer bookkeeping, not a business change: it is advanced in its own
transaction (with the handler's own bookkeeping, if any) and records no audit event.
"""

from collections.abc import Awaitable, Callable, Iterable, Sequence

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.core.db import Database
from catalog.models import AuditPending, OutboxCursor, OutboxEvent
from catalog.models.base import utcnow

Handler = Callable[[AsyncSession, Sequence[OutboxEvent]], Awaitable[None]]
"""Receives a batch and the consumer's transaction. External effects (an index update) happen
first; the transaction is opened by the first statement the handler or `drain` runs."""


async def cursor_position(db: Database, consumer: str) -> int:
    async with db.read() as session:
        position = await session.scalar(
            sa.select(col(OutboxCursor.last_event_id)).where(col(OutboxCursor.consumer) == consumer)
        )
    return int(position or 0)


def pending_entities(consumer: str, entity_type: str) -> sa.CompoundSelect[tuple[str]]:
    """The ids of entities with events the consumer has not processed yet (its view of them
    may lag), as one statement: cursor and events read together, and the events committed but
    not yet moved into the outbox by the appender (catalog/core/appender.py)."""
    after = (
        sa.select(col(OutboxCursor.last_event_id))
        .where(col(OutboxCursor.consumer) == consumer)
        .scalar_subquery()
    )
    return sa.union(
        sa.select(col(OutboxEvent.entity_id)).where(
            col(OutboxEvent.id) > sa.func.coalesce(after, 0),
            col(OutboxEvent.entity_type) == entity_type,
        ),
        sa.select(col(AuditPending.entity_id)).where(
            col(AuditPending.outbox), col(AuditPending.entity_type) == entity_type
        ),
    )


async def last_event_id(db: Database) -> int:
    async with db.read() as session:
        return int(await session.scalar(sa.select(sa.func.max(OutboxEvent.id))) or 0)


async def advance_to(db: Database, consumer: str, event_id: int) -> None:
    """Move the cursor forward to `event_id` (never back), e.g. after a full rebuild."""
    async with db.write_session() as session, session.begin():
        await _advance(session, db.dialect, consumer, event_id)


async def _ensure_cursor(session: AsyncSession, dialect: str, consumer: str) -> None:
    insert = sqlite_insert if dialect == "sqlite" else pg_insert
    await session.execute(
        insert(OutboxCursor)
        .values(consumer=consumer, last_event_id=0, updated_at=utcnow())
        .on_conflict_do_nothing(index_elements=["consumer"])
    )


async def _advance(session: AsyncSession, dialect: str, consumer: str, event_id: int) -> None:
    await _ensure_cursor(session, dialect, consumer)
    # Never move backwards: a concurrent drainer may already be further along.
    await session.execute(
        sa.update(OutboxCursor)
        .where(
            col(OutboxCursor.consumer) == consumer,
            col(OutboxCursor.last_event_id) < event_id,
        )
        .values(last_event_id=event_id, updated_at=utcnow())
    )


async def drain(db: Database, consumer: str, handler: Handler, batch: int = 100) -> int:
    """Hand the next batch after the consumer's cursor to `handler`, then advance the cursor.
    Returns how many events were handled (0: nothing pending). If the handler raises, the
    cursor stays where it was and the batch is offered again next time."""
    start = await cursor_position(db, consumer)
    async with db.read() as session:
        events = list(
            (
                await session.execute(
                    sa.select(OutboxEvent)
                    .where(col(OutboxEvent.id) > start)
                    .order_by(col(OutboxEvent.id))
                    .limit(batch)
                )
            ).scalars()
        )
    if not events:
        return 0
    async with db.write_session() as session, session.begin():
        await handler(session, events)
        assert events[-1].id is not None
        await _advance(session, db.dialect, consumer, events[-1].id)
    return len(events)


async def backlog(db: Database, consumers: Iterable[str] = ()) -> dict[str, int]:
    """Events each consumer has not processed yet: every consumer with a cursor, plus those
    named (which count the whole outbox until they first run)."""
    async with db.read() as session:
        cursors = await session.execute(
            sa.select(col(OutboxCursor.consumer), col(OutboxCursor.last_event_id))
        )
        positions: dict[str, int] = {name: int(position) for name, position in cursors}
        for name in consumers:
            positions.setdefault(name, 0)
        result: dict[str, int] = {}
        for name, position in positions.items():
            count = await session.scalar(
                sa.select(sa.func.count()).where(col(OutboxEvent.id) > position)
            )
            result[name] = int(count or 0)
    return result
