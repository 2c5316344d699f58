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


async def market(
    database_url: str, *args: str, **environment: str
) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "DATABASE_URL": database_url, **environment}
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


async def test_seed_demo_rewrites_credentials_that_belong_to_another_database(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    from auth.clients import load_clients

    path = tmp_path / "demo-credentials.json"
    stale = {"demo-partner-PL": {"client_id": "mkt_from_an_old_db", "client_secret": "old"}}
    path.write_text(json.dumps(stale))
    seeded = await market(database_url, "seed-demo", DEMO_CREDENTIALS_FILE=str(path))
    assert seeded.returncode == 0, seeded.stderr
    written = json.loads(path.read_text())
    assert written["demo-partner-PL"]["client_id"] != "mkt_from_an_old_db"
    assert path.stat().st_mode & 0o777 == 0o600
    clients = await load_clients(db, {entry["client_id"] for entry in written.values()})
    assert len(clients) == len(written) >= 10
    pl = clients[written["demo-partner-PL"]["client_id"]]
    assert pl.org.slug == "demo-partner-PL"
    assert pl.check_secret(written["demo-partner-PL"]["client_secret"])

    # Seeded already and the file is this database's: kept as it is.
    again = await market(database_url, "seed-demo", DEMO_CREDENTIALS_FILE=str(path))
    assert again.returncode == 0, again.stderr
    assert json.loads(path.read_text()) == written
    # A file that names clients this database does not hold is replaced, even when seeded.
    path.write_text(json.dumps(stale))
    replaced = await market(database_url, "seed-demo", DEMO_CREDENTIALS_FILE=str(path))
    assert replaced.returncode == 0, replaced.stderr
    assert "mkt_from_an_old_db" not in path.read_text()
