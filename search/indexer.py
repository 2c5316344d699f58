"""Keeping an external index (Meilisearch) in step with the database through the outbox.

The `sql` backend needs none of this: its index is maintained inside the writing transaction.
"""

import asyncio
import contextlib
import uuid
from collections.abc import AsyncIterator, Sequence
from typing import Protocol, cast

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.core.db import Database
from catalog.core.outage import Outage
from catalog.core.outbox import advance_to, drain, last_event_id
from catalog.models import OutboxEvent, Product
from search.backend import SearchBackend

CONSUMER = "search.meilisearch"
PRODUCT_TOPICS = frozenset({"product.changed"})
ORGANISATION_TOPICS = frozenset({"organisation.changed"})


class _IndexOwner(Protocol):
    async def ensure_index(self) -> None: ...


async def changed_products(db: Database, events: Sequence[OutboxEvent]) -> list[uuid.UUID]:
    """Products whose documents these events may have changed: the product itself, or every
    product of an organisation that changed (documents carry the manufacturer's name)."""
    ids = [uuid.UUID(e.entity_id) for e in events if e.topic in PRODUCT_TOPICS]
    orgs = [uuid.UUID(e.entity_id) for e in events if e.topic in ORGANISATION_TOPICS]
    if orgs:
        async with db.read() as session:
            rows = await session.execute(
                sa.select(col(Product.id)).where(col(Product.manufacturer_id).in_(orgs))
            )
            ids += list(rows.scalars())
    return list(dict.fromkeys(ids))


async def index_pending(db: Database, backend: SearchBackend, batch: int = 200) -> int:
    """Apply the next batch of product changes to the index; returns the events consumed."""

    async def handle(_session: AsyncSession, events: Sequence[OutboxEvent]) -> None:
        # Idempotent: each product is re-read from the database and upserted or deleted.
        # The consumer's session is left alone until the index has answered, so no database
        # lock is held across the network call.
        await backend.apply(await changed_products(db, events))

    return await drain(db, CONSUMER, handle, batch)


async def rebuild(db: Database, backend: SearchBackend, batch: int = 500) -> AsyncIterator[int]:
    """Rebuild the whole index; afterwards the indexer resumes after the events the rebuild
    has covered (events during the rebuild are applied again, harmlessly)."""
    covered = await last_event_id(db)
    async for count in backend.reindex(batch):
        yield count
    if backend.name != "sql":
        await advance_to(db, CONSUMER, covered)


async def run_worker(
    db: Database,
    backend: SearchBackend,
    stop: asyncio.Event,
    *,
    batch: int = 200,
    idle_seconds: float = 0.5,
    max_backoff_seconds: float = 5.0,
    outage: Outage | None = None,
    ensure_index: bool = False,
) -> int:
    """Drain the outbox until `stop` is set (checked between batches). An unreachable index or
    database is waited out: logged once per outage, retried with jittered backoff, and nothing
    is skipped. Any error counts as such a fault here: the handler only re-reads products and
    writes them to the index, so a refusal by the index is retried, never a reason to stop the
    webhook steps of the same worker. Returns the events consumed."""
    outage = outage or Outage("search indexing", cap_seconds=max_backoff_seconds)
    prepared = not ensure_index
    consumed = 0
    while not stop.is_set():
        delay = idle_seconds
        try:
            if not prepared:
                # Only the Meilisearch backend is asked to (see api/cli.py); the protocol has none.
                await cast(_IndexOwner, backend).ensure_index()
                prepared = True
            handled = await index_pending(db, backend, batch)
            outage.recovered()
        except Exception as error:
            handled = 0
            delay = outage.failed(error)
        consumed += handled
        if handled == 0:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), timeout=delay)
    return consumed
