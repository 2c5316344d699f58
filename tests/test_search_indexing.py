"""The outbox consumer framework and the Meilisearch indexer that rides on it."""

import asyncio
import uuid
from collections.abc import Sequence
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.core.db import Database
from catalog.core.outbox import cursor_position, drain, last_event_id
from catalog.demo.seed import seed_demo
from catalog.models import OutboxEvent
from search.backend import SearchQuery
from search.indexer import CONSUMER, index_pending, rebuild, run_worker
from search.meili import MeiliSearch
from search.meili_server import MeiliServer
from search.sql import SqlSearch
from tests.meili import meili_binary_or_skip
from tests.search_support import add_product, principal_for, rename


async def test_drain_hands_each_event_once_and_advances_the_cursor(db: Database) -> None:
    await seed_demo(db)
    seen: list[int] = []

    async def handler(_session: AsyncSession, events: Sequence[OutboxEvent]) -> None:
        seen.extend(e.id for e in events if e.id is not None)

    while await drain(db, "test-consumer", handler, batch=7):
        pass
    assert seen == sorted(set(seen)) and len(seen) == await last_event_id(db) > 0
    assert await cursor_position(db, "test-consumer") == seen[-1]
    assert await drain(db, "test-consumer", handler) == 0


async def test_a_failing_handler_leaves_the_cursor_alone(db: Database) -> None:
    await seed_demo(db)

    async def broken(_session: AsyncSession, _events: Sequence[OutboxEvent]) -> None:
        raise ConnectionError("index unreachable")

    with pytest.raises(ConnectionError):
        await drain(db, "test-consumer", broken)
    assert await cursor_position(db, "test-consumer") == 0


async def test_sql_index_follows_writes_in_the_same_transaction(db: Database) -> None:
    await seed_demo(db)
    product = await add_product(db, "Velmaro Test Crawler", countries=("PL",))
    curator = await principal_for(db, "demo-curator")
    backend = SqlSearch(db)
    hits = (await backend.search(curator, SearchQuery("velmaro"))).hits
    assert [h.product_id for h in hits] == [product]
    await rename(db, product, "Ostrava Test Crawler")
    assert (await backend.search(curator, SearchQuery("velmaro"))).hits == ()
    assert (await backend.search(curator, SearchQuery("ostrava"))).total == 1
    async for _ in rebuild(db, backend):  # a rebuild changes nothing
        pass
    assert (await backend.search(curator, SearchQuery("ostrava"))).total == 1


async def _documents(backend: MeiliSearch) -> list[dict[str, Any]]:
    def fetch() -> list[dict[str, Any]]:
        result = backend.index.get_documents({"limit": 1000})
        return sorted((dict(vars(d)) for d in result.results), key=lambda d: d["id"])

    return await asyncio.to_thread(fetch)


@pytest.fixture
async def meili(db: Database, meili_server: MeiliServer) -> MeiliSearch:
    backend = MeiliSearch(db, meili_server.url, meili_server.master_key, f"t_{uuid.uuid4().hex}")
    await backend.ensure_index()
    return backend


async def test_draining_twice_leaves_the_index_unchanged(db: Database, meili: MeiliSearch) -> None:
    await seed_demo(db)
    await add_product(db, "Drainy Test Rover", countries=("DE",))
    assert await index_pending(db, meili, batch=1000) > 0
    first = await _documents(meili)
    assert len(first) == 31
    assert await index_pending(db, meili) == 0  # nothing new: nothing done
    # Replaying every event (a crash before the cursor moved) changes nothing either.
    await meili.apply([uuid.UUID(d["id"]) for d in first])
    assert await _documents(meili) == first


async def test_worker_catches_up_after_meilisearch_restarts(db: Database) -> None:
    server = meili_binary_or_skip()
    await asyncio.to_thread(server.start)
    try:
        await seed_demo(db)
        backend = MeiliSearch(db, server.url, server.master_key, "products")
        await backend.ensure_index()
        while await index_pending(db, backend):
            pass
        await asyncio.to_thread(server.stop)

        # Writes go on while the index is down; the worker keeps retrying the same batch.
        written = [await add_product(db, f"Outage Rover {i}", countries=("PL",)) for i in range(3)]
        cursor = await cursor_position(db, CONSUMER)
        with pytest.raises(Exception):  # noqa: B017 - any connection error will do
            await index_pending(db, backend)
        assert await cursor_position(db, CONSUMER) == cursor

        await asyncio.to_thread(server.start)  # same db-path and port: the data is still there
        stop = asyncio.Event()
        worker = asyncio.create_task(run_worker(db, backend, stop, idle_seconds=0.05))
        for _ in range(1200):  # up to a minute on a busy machine
            if await cursor_position(db, CONSUMER) >= await last_event_id(db):
                break
            await asyncio.sleep(0.05)
        stop.set()
        assert await worker >= 3
        documents = {d["id"] for d in await _documents(backend)}
        assert {str(p) for p in written} <= documents and len(documents) == 33
        partner = await principal_for(db, "demo-partner-PL")
        found = await backend.search(partner, SearchQuery("outage rover", first=10))
        assert {h.product_id for h in found.hits} == set(written)
    finally:
        await asyncio.to_thread(server.close)
