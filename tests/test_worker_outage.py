"""The outbox worker (`market worker`, a real process, with the webhook steps and the
Meilisearch indexer) over a private PostgreSQL cluster that is stopped (`pg_ctl stop -m
immediate`) for several seconds while products keep changing: the worker survives, reports the
outage through `market worker --health`, logs it once per step, and afterwards drains
everything written before and after; a receiver on loopback (allowed by
WEBHOOK_ALLOW_NETWORKS) gets every event at least once with valid signatures."""

import asyncio
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from itertools import cycle
from pathlib import Path

import asyncpg
import pytest
from sqlalchemy import func, select

from api.migrate import migrate
from catalog.core.db import Database
from catalog.core.outbox import cursor_position, last_event_id
from catalog.demo.seed import seed_demo
from catalog.models import DeliveryStatus, OutboxEvent, Product, WebhookDelivery
from catalog.products.lifecycle import ProductDraft, update_product
from catalog.webhooks import endpoints as webhooks
from search.indexer import CONSUMER as INDEXER
from search.meili_server import MeiliServer
from tests.live import serve
from tests.private_postgres import PrivatePostgres, running_cluster
from tests.test_webhooks import LOOPBACK, ROOT, _stop, principal, start_worker, worker_env
from tests.webhook_receiver import Receiver

OUTAGE_SECONDS = 6.0


@pytest.fixture(scope="module")
def cluster() -> Iterator[PrivatePostgres]:
    with running_cluster() as started:
        yield started


async def _database(cluster: PrivatePostgres) -> str:
    admin = await asyncpg.connect(cluster.url())
    try:
        await admin.execute("CREATE DATABASE market")
    finally:
        await admin.close()
    url = cluster.url("market")
    await asyncio.to_thread(migrate, url)
    return url


class Writer:
    """Changes products one after another until stopped, counting what was acknowledged;
    during the outage each write fails and is tried again a moment later."""

    def __init__(self, db: Database) -> None:
        self.db = db
        self.acknowledged = 0
        self.refused = 0
        self.stop = asyncio.Event()

    async def run(self, slug: str) -> None:
        maker = await principal(self.db, slug)
        async with self.db.read() as session:
            ids = list(
                await session.scalars(
                    select(Product.id).where(Product.manufacturer_id == maker.org_id).limit(5)
                )
            )
        for number, product_id in enumerate(cycle(ids)):
            if self.stop.is_set():
                return
            draft = ProductDraft(units_available=200 + number % 50, given={"units_available"})
            try:
                await update_product(self.db, maker, product_id, draft)
                self.acknowledged += 1
                await asyncio.sleep(0.05)
            except Exception:  # the database is away: the caller would retry, and so do we
                self.refused += 1
                await asyncio.sleep(0.2)


def _health(directory: Path, url: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "api.cli", "worker", "--health"],
        env=worker_env(url, directory),
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    return done.returncode, done.stdout.strip()


async def _until(condition, seconds: float) -> float:  # type: ignore[no-untyped-def]
    """Seconds until `condition()` held (polling), or fail after `seconds`."""
    start = time.monotonic()
    while not await condition():
        assert time.monotonic() - start < seconds, "timed out"
        await asyncio.sleep(0.1)
    return time.monotonic() - start


async def test_the_worker_rides_out_a_database_outage(
    cluster: PrivatePostgres, meili_server: MeiliServer, tmp_path: Path
) -> None:
    url = await _database(cluster)
    db = Database(url, pool_size=2, connect_timeout_s=2)
    await seed_demo(db)
    receiver = Receiver(script=[500])  # the first delivery is retried
    figures: dict[str, float] = {}
    try:
        with serve(receiver.app()) as base:
            endpoint, receiver.secrets["/c"] = await webhooks.create_webhook(
                db,
                await principal(db, "demo-curator"),
                f"{base}/c",
                ["product.changed"],
                allow_networks=LOOPBACK,
            )
            first = await last_event_id(db)  # events from here on are the endpoint's
            search = {
                "SEARCH_BACKEND": "meilisearch",
                "MEILI_URL": meili_server.url,
                "MEILI_MASTER_KEY": meili_server.master_key,
                "MEILI_INDEX": f"outage_{uuid.uuid4().hex}",
            }
            worker = start_worker(url, tmp_path, search)
            writer = Writer(db)
            writing = asyncio.create_task(writer.run("demo-manufacturer-1"))
            try:
                await _until(_arrived(receiver, 3), 60)
                await _until(_indexed(db, first), 60)  # the seeded catalogue is in the index
                before = writer.acknowledged
                await asyncio.to_thread(cluster.stop, "immediate")
                down = time.monotonic()

                async def reported() -> bool:
                    return (await asyncio.to_thread(_health, tmp_path, url))[0] == 1

                figures["outage reported by --health after (s)"] = await _until(reported, 30)
                _, during = await asyncio.to_thread(_health, tmp_path, url)
                await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - down)))
                assert worker.poll() is None, "the worker died during the outage"
                await asyncio.to_thread(cluster.start)
                figures["database away (s)"] = time.monotonic() - down
                up, refused = time.monotonic(), writer.refused

                async def healthy() -> bool:
                    return (await asyncio.to_thread(_health, tmp_path, url))[0] == 0

                figures["healthy again after restart (s)"] = await _until(healthy, 60)
                await _until(_writes_after(writer, before, 20), 30)
                writer.stop.set()
                await writing
                await _until(_all_delivered(db, endpoint.id, first), 120)
                figures["all delivered after restart (s)"] = time.monotonic() - up
                await _until(_indexed(db, await last_event_id(db)), 60)
                figures["index caught up after restart (s)"] = time.monotonic() - up
                alive = worker.poll() is None
            finally:
                writer.stop.set()
                await asyncio.gather(writing, return_exceptions=True)
                code = await _stop(worker)
        log = (tmp_path / "worker.log").read_text()
        assert alive and code == 0, log[-3000:]

        async with db.read() as session:
            events = await session.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.topic == "product.changed", OutboxEvent.id > first)
            )
            delivered = list(
                await session.scalars(
                    select(WebhookDelivery.id).where(
                        WebhookDelivery.status == DeliveryStatus.DELIVERED
                    )
                )
            )
    finally:
        await db.dispose()

    # As the wait above: at least 20 acknowledged after the outage began (it stops the writer
    # as soon as they are, so exactly 20 is a pass).
    assert refused > 0 and writer.acknowledged >= before + 20  # writes before, during, after
    arrived = {a.delivery_id for a in receiver.received()}
    assert arrived == {str(d) for d in delivered}  # every event at least once
    # A write cut off by the stop may have committed unacknowledged: it is an event too.
    assert len(delivered) == events and events >= writer.acknowledged
    assert all(a.signature_valid for a in receiver.received())
    assert "failing since" in during
    for step in ("webhook fan-out", "webhook sending"):  # they poll the database constantly
        assert log.count(f"{step}: unavailable, retrying") == 1, log[-3000:]
        assert log.count(f"{step}: recovered after") == 1, log[-3000:]
    # The indexer meets the outage only if it reads the database meanwhile (not while it
    # waits for Meilisearch); if it does, once.
    noticed = log.count("search indexing: unavailable, retrying")
    assert noticed <= 1 and log.count("search indexing: recovered after") == noticed
    for line in log.splitlines():  # each step's own account: from its first failure
        if "recovered after" in line:
            step, rest = line.split('"message": "', 1)[1].split(": recovered after ", 1)
            figures[f"{step}: failing for (s)"] = float(rest.split("s", 1)[0])
    figures["events delivered"] = len(delivered)
    figures["writes refused during the outage"] = refused
    print("\n" + "\n".join(f"{k}: {v:.2f}" for k, v in figures.items()))


def _arrived(receiver: Receiver, count: int):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return len(receiver.received()) >= count

    return check


def _writes_after(writer: Writer, before: int, more: int):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return writer.acknowledged >= before + more and writer.refused > 0

    return check


def _all_delivered(db: Database, endpoint_id: object, first: int):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        async with db.read() as session:
            events = await session.scalar(
                select(func.count())
                .select_from(OutboxEvent)
                .where(OutboxEvent.topic == "product.changed", OutboxEvent.id > first)
            )
            done = await session.scalar(
                select(func.count())
                .select_from(WebhookDelivery)
                .where(
                    WebhookDelivery.endpoint_id == endpoint_id,
                    WebhookDelivery.status == DeliveryStatus.DELIVERED,
                )
            )
        return bool(events) and done == events

    return check


def _indexed(db: Database, event_id: int):  # type: ignore[no-untyped-def]
    async def check() -> bool:
        return await cursor_position(db, INDEXER) >= event_id

    return check
