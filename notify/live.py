"""The live event hub of one API process: it reads committed outbox rows and hands each one to
the subscriptions of this process.

Every process runs its own hub and reads the outbox itself, so an event reaches every process
whichever one wrote it: on PostgreSQL the hub LISTENs on the outbox channel (writers NOTIFY at
commit, catalog/core/live.py) and reads the rows after its position when woken; a slow poll
stays on as a safety net for a lost connection. On SQLite (one process) it polls, and is woken
early by its own process's commits (the rows are still read from the outbox).

Each subscriber has a bounded queue: one that falls behind by more than its limit is dropped
(its feed raises `SlowConsumer`), never buffered without bound.
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Sequence

import asyncpg
import sqlalchemy as sa
from sqlalchemy import event as sa_event
from sqlalchemy.orm import Session
from sqlmodel import col

from catalog.core.db import Database
from catalog.core.live import OUTBOX_CHANNEL, LiveEvent, SlowConsumer
from catalog.core.outbox import last_event_id
from catalog.models import OutboxEvent

log = logging.getLogger("market.live")

BATCH = 500
DROPPED = None  # what a dropped subscriber's queue ends with


class Subscriber:
    """One subscription's bounded queue of events. On overflow the queue is emptied and ends
    with `DROPPED`, so that the reader learns it was dropped without waiting on anything else."""

    def __init__(self, topics: frozenset[str], limit: int) -> None:
        self.topics = topics
        self.limit = limit
        self.queue: asyncio.Queue[LiveEvent | None] = asyncio.Queue()
        self.dropped = False

    def offer(self, event: LiveEvent) -> None:
        if event.topic not in self.topics or self.dropped:
            return
        if self.queue.qsize() >= self.limit:
            self.dropped = True
            while not self.queue.empty():
                self.queue.get_nowait()
            self.queue.put_nowait(DROPPED)
            return
        self.queue.put_nowait(event)

    async def next(self) -> LiveEvent:
        """The next event; `SlowConsumer` once the queue has overflowed."""
        event = await self.queue.get()
        if event is None:  # DROPPED
            raise SlowConsumer
        return event


class LiveHub:
    def __init__(
        self,
        db: Database,
        *,
        poll_seconds: float,
        listen_poll_seconds: float = 5.0,
        queue_limit: int = 100,
    ) -> None:
        self.db = db
        self.poll_seconds = poll_seconds
        self.listen_poll_seconds = listen_poll_seconds
        self.queue_limit = queue_limit
        self.subscribers: set[Subscriber] = set()
        self.position = 0
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self._listener: asyncpg.Connection | None = None
        self._started = asyncio.Lock()

    async def start(self) -> None:
        """Start reading (once): events committed from now on are delivered."""
        async with self._started:
            if self._task is not None:
                return
            self.position = await last_event_id(self.db)
            await self._listen()
            if self.db.is_sqlite:
                sa_event.listen(Session, "after_commit", self._committed)
            self._task = asyncio.create_task(self._run(), name="live-hub")

    @contextlib.asynccontextmanager
    async def subscribe(self, topics: frozenset[str]) -> AsyncIterator[Subscriber]:
        await self.start()
        subscriber = Subscriber(topics, self.queue_limit)
        self.subscribers.add(subscriber)
        try:
            yield subscriber
        finally:
            self.subscribers.discard(subscriber)

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None
        await self._unlisten()
        if sa_event.contains(Session, "after_commit", self._committed):
            sa_event.remove(Session, "after_commit", self._committed)

    def _committed(self, session: Session) -> None:
        if session.get_bind() is self.db.write_engine.sync_engine:
            self._wake.set()

    async def _listen(self) -> None:
        if self.db.dialect != "postgresql":
            return
        dsn = self.db.url.set(drivername="postgresql").render_as_string(hide_password=False)
        try:
            connection = await asyncpg.connect(dsn)
            await connection.add_listener(OUTBOX_CHANNEL, self._notified)
        except (OSError, asyncpg.PostgresError):
            log.warning("live events: LISTEN failed, polling instead", exc_info=True)
            return
        self._listener = connection

    async def _unlisten(self) -> None:
        connection, self._listener = self._listener, None
        if connection is not None:
            with contextlib.suppress(Exception):
                await connection.close(timeout=2)

    def _notified(self, *_args: object) -> None:
        self._wake.set()

    def _wait_seconds(self) -> float:
        listening = self._listener is not None and not self._listener.is_closed()
        return self.listen_poll_seconds if listening else self.poll_seconds

    async def _run(self) -> None:
        while True:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), self._wait_seconds())
            self._wake.clear()
            try:
                await self._deliver_new()
                if self.db.dialect == "postgresql" and (
                    self._listener is None or self._listener.is_closed()
                ):
                    await self._unlisten()
                    await self._listen()
            except asyncio.CancelledError:
                raise
            except Exception:  # the database may be away for a while: try again next round
                log.warning("live events: reading the outbox failed", exc_info=True)

    async def _deliver_new(self) -> None:
        while True:
            events = await self._read_after(self.position)
            for event in events:
                self.position = event.id
                for subscriber in list(self.subscribers):
                    subscriber.offer(event)
            if len(events) < BATCH:
                return

    async def _read_after(self, position: int) -> Sequence[LiveEvent]:
        async with self.db.read() as session:
            rows = await session.execute(
                sa.select(
                    col(OutboxEvent.id),
                    col(OutboxEvent.topic),
                    col(OutboxEvent.entity_type),
                    col(OutboxEvent.entity_id),
                )
                .where(col(OutboxEvent.id) > position)
                .order_by(col(OutboxEvent.id))
                .limit(BATCH)
            )
            return [LiveEvent(int(i or 0), topic, kind, entity) for i, topic, kind, entity in rows]
