"""`market reindex` and `market worker`, run as real processes against each database."""

import asyncio
import os
import signal
import subprocess
import sys
import uuid

from api.children import spawn
from catalog.core.db import Database
from catalog.core.outbox import cursor_position, last_event_id
from catalog.demo.seed import seed_demo
from search.indexer import CONSUMER
from search.meili_server import MeiliServer
from tests.test_cli import ROOT, market


async def test_reindex_rebuilds_the_sql_index(db: Database, database_url: str) -> None:
    await seed_demo(db)
    done = await market(database_url, "reindex", "--batch", "7")
    assert done.returncode == 0, done.stderr
    assert "reindexed 30 products" in done.stderr


async def test_worker_drains_then_stops_on_sigterm(
    db: Database, database_url: str, meili_server: MeiliServer
) -> None:
    await seed_demo(db)
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "SEARCH_BACKEND": "meilisearch",
        "MEILI_URL": meili_server.url,
        "MEILI_MASTER_KEY": meili_server.master_key,
        "MEILI_INDEX": f"t_{uuid.uuid4().hex[:12]}",
    }
    worker = spawn(
        [sys.executable, "-m", "api.cli", "worker"],
        env=env,
        cwd=ROOT,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        for _ in range(1200):
            if await cursor_position(db, CONSUMER) >= await last_event_id(db):
                break
            await asyncio.sleep(0.05)
        assert await cursor_position(db, CONSUMER) == await last_event_id(db)
    finally:
        worker.send_signal(signal.SIGTERM)
        _, errors = await asyncio.to_thread(worker.communicate, timeout=60)
    assert worker.returncode == 0, errors
    assert "worker stopped after" in errors
