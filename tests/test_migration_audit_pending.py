"""Migration 0013 on a deployed database (SQLite and PostgreSQL): the audit chain and outbox
written before it stay as they are and the appender continues the chain; downgrading refuses
while audit events are pending (nowhere to keep them) and succeeds once they are linked."""

import asyncio
from datetime import UTC, datetime

import pytest
from sqlalchemy import text

from api.migrate import downgrade, migrate
from catalog.core.appender import count_pending, link_pending
from catalog.core.audit import GENESIS_HASH, event_hash, verify_chain
from catalog.core.db import Database
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, record_pending
from tests.databases import PostgresTemplates, SqliteTemplates
from tests.test_migrations import _deployed_database, _empty_database


def _chain_before_0013() -> dict[str, list[dict[str, object]]]:
    """Two linked audit events and their outbox row, as revision 0012 wrote them."""
    at = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    events, prev = [], GENESIS_HASH
    for n, action in enumerate(("product.created", "product.submit"), start=1):
        fields = {"occurred_at": at, "actor": "maker", "actor_org_id": None, "action": action,
                  "entity_type": "Product", "entity_id": "p-1", "data": {"n": n}}  # fmt: skip
        digest = event_hash(prev_hash=prev, **fields)  # type: ignore[arg-type]
        events.append({"id": n, **fields, "prev_hash": prev, "hash": digest})
        prev = digest
    outbox = {"id": 1, "created_at": at, "topic": "product.changed", "entity_type": "Product",
              "entity_id": "p-1", "payload": {}}  # fmt: skip
    return {"audit_event": events, "outbox_event": [outbox]}


async def _pend_one(db: Database) -> None:
    """A write's records committed, its appender run not yet done."""
    actor = Principal("later", None, None, None, None, None, None, None)
    async with db.write_session() as session, session.begin():
        tx = WriteTransaction(session=session, actor=actor)
        tx.audit("product.publish", "Product", "p-1", {"n": 3})
        tx.emit("product.changed", "Product", "p-1")
        await record_pending(tx)


async def test_0013_keeps_the_chain_and_refuses_to_downgrade_over_pending_events(
    backend: str, sqlite_templates: SqliteTemplates, postgres_templates: PostgresTemplates | None
) -> None:
    url = await _empty_database(backend, sqlite_templates, postgres_templates)
    engine = await _deployed_database(url, backend, "0012", _chain_before_0013())
    if backend == "postgres":  # rows inserted with explicit ids: move the sequences past them
        async with engine.begin() as conn:
            for table in ("audit_event", "outbox_event"):
                await conn.execute(
                    text(f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), 2)")
                )
    await asyncio.to_thread(migrate, url, "0013")
    db = Database(url, pool_size=2)
    try:
        await _pend_one(db)
        assert await count_pending(db) == 1
        with pytest.raises(RuntimeError, match="not linked yet"):
            await asyncio.to_thread(downgrade, url, "0012")

        assert await link_pending(db) == 1
        async with db.read() as session:
            report = await verify_chain(session)
        assert report.ok and report.length == 3
        await asyncio.to_thread(downgrade, url, "0012")
    finally:
        await db.dispose()
    async with engine.connect() as conn:
        actions = (await conn.execute(text("SELECT action FROM audit_event ORDER BY id"))).all()
        outbox = (await conn.execute(text("SELECT count(*) FROM outbox_event"))).scalar_one()
        version = (await conn.execute(text("SELECT version_num FROM alembic_version"))).scalar()
    await engine.dispose()
    assert [a for (a,) in actions] == ["product.created", "product.submit", "product.publish"]
    assert outbox == 2 and version == "0012"
    if backend == "postgres":
        assert postgres_templates
        await postgres_templates.drop(url.rsplit("/", 1)[1])
