"""Migration 0009 on a deployed database (SQLite and PostgreSQL): the clients of licensing and
curator organisations get an officer each, so they keep deciding; other clients get none."""

import asyncio
import uuid
from datetime import UTC, datetime

from sqlalchemy import text

from api.migrate import downgrade, migrate
from tests.databases import PostgresTemplates, SqliteTemplates
from tests.test_migrations import _deployed_database, _empty_database


def _rows() -> dict[str, list[dict[str, object]]]:
    now = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
    org = {"vetting": "VETTED", "created_at": now, "updated_at": now, "country": "UA"}
    ids = {name: uuid.uuid4() for name in ("licensing", "partner")}
    client = {"secret_hash": "scrypt$x", "scopes": "catalog:read", "created_at": now}
    return {
        "organisation": [
            {"id": ids["licensing"], "slug": "lic", "name": "L", "kind": "LICENSING", **org},
            {"id": ids["partner"], "slug": "par", "name": "P", "kind": "PARTNER", **org},
        ],
        "oauth_client": [
            {"client_id": "mkt_Officer1", "org_id": ids["licensing"], "name": "desk 1", **client},
            {"client_id": "mkt_Partner1", "org_id": ids["partner"], "name": "buyer", **client},
        ],
    }


async def test_0009_gives_each_licensing_client_an_officer(
    backend: str, sqlite_templates: SqliteTemplates, postgres_templates: PostgresTemplates | None
) -> None:
    url = await _empty_database(backend, sqlite_templates, postgres_templates)
    engine = await _deployed_database(url, backend, "0008", _rows())
    await asyncio.to_thread(migrate, url, "0009")
    async with engine.connect() as conn:
        bound = (
            await conn.execute(
                text(
                    "SELECT c.client_id, o.name, o.email FROM oauth_client c "
                    "LEFT JOIN officer o ON o.id = c.officer_id ORDER BY c.client_id"
                )
            )
        ).all()
    assert [tuple(row) for row in bound] == [
        ("mkt_Officer1", "desk 1", "mkt_officer1@clients.invalid"),
        ("mkt_Partner1", None, None),
    ]
    await asyncio.to_thread(downgrade, url, "0008")
    async with engine.connect() as conn:
        clients = (await conn.execute(text("SELECT count(*) FROM oauth_client"))).scalar_one()
    await engine.dispose()
    assert clients == 2
    if backend == "postgres":
        assert postgres_templates
        await postgres_templates.drop(url.rsplit("/", 1)[1])
