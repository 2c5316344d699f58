"""The `market` command line, run as a real process against each database."""

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import update

from catalog.core.db import Database
from catalog.demo.seed import seed_demo
from catalog.models import AuditEvent

ROOT = Path(__file__).resolve().parent.parent


async def market(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url}
    command = [sys.executable, "-m", "api.cli", *args]
    return await asyncio.to_thread(
        subprocess.run, command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=120
    )


async def test_verify_audit_passes_then_names_the_edited_event(
    db: Database, database_url: str
) -> None:
    await seed_demo(db)
    ok = await market(database_url, "verify-audit")
    assert ok.returncode == 0, ok.stderr
    assert "intact" in ok.stderr

    async with db.write_session() as session, session.begin():
        await session.execute(update(AuditEvent).where(AuditEvent.id == 12).values(actor="mallory"))
    broken = await market(database_url, "verify-audit")
    assert broken.returncode == 1
    assert "event 12" in broken.stderr


async def test_create_client_prints_credentials_and_refuses_foreign_scopes(
    db: Database, database_url: str
) -> None:
    await seed_demo(db)
    created = await market(
        database_url, "create-client", "--org", "demo-partner-DE", "--scope", "catalog:read"
    )
    assert created.returncode == 0, created.stderr
    credentials = json.loads(created.stdout)
    assert credentials["client_id"] and credentials["client_secret"]
    refused = await market(
        database_url, "create-client", "--org", "demo-partner-DE", "--scope", "catalog:curate"
    )
    assert refused.returncode != 0 and "catalog:curate" in refused.stderr
