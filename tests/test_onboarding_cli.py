"""The first start of an empty database from the command line, on SQLite and PostgreSQL:
`market migrate`, `market create-organisation` (the curator and the manufacturers),
`market create-client` and `market import` restore an exported catalogue."""

import json
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from api.app import create_app
from api.settings import Settings
from catalog.core.db import Database
from catalog.core.enums import OrgKind
from catalog.demo.seed import seed_demo
from catalog.models import Organisation
from tests.databases import PostgresTemplates, SqliteTemplates
from tests.graphql import gql
from tests.test_cli import market

CATALOGUE = """{ products(first: 100) { totalCount edges { node {
  name status category unitsAvailable manufacturer { name } releases { country } } } } }"""
ME = "{ me { organisation { slug kind } officer { name email } } }"


async def _empty_url(
    backend: str, sqlite_templates: SqliteTemplates, pg: PostgresTemplates | None
) -> str:
    if backend == "sqlite":
        return sqlite_templates.url_for(sqlite_templates.directory / f"fresh_{uuid.uuid4().hex}.db")
    if pg is None:
        pytest.skip("PostgreSQL is not reachable")
    return pg.url_for(await pg.empty())


async def _json(url: str, *args: str) -> dict[str, Any]:
    done = await market(url, *args)
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _catalogue(data: dict[str, Any]) -> list[tuple[Any, ...]]:
    nodes = [edge["node"] for edge in data["products"]["edges"]]
    return sorted(
        (
            n["name"],
            n["status"],
            n["category"],
            n["unitsAvailable"],
            n["manufacturer"]["name"],
            tuple(sorted(r["country"] for r in n["releases"] or [])),
        )
        for n in nodes
    )


async def _read(url: str, client: dict[str, Any], query: str) -> dict[str, Any]:
    db = Database(url)
    app = create_app(Settings(database_url=url, market_env="test"), db=db)
    transport = httpx.ASGITransport(app=app)
    try:
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as api:
            response = await api.post(
                "/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(client["client_id"], client["client_secret"]),
            )
            assert response.status_code == 200, response.text
            return (await gql(api, response.json()["access_token"], query))["data"]
    finally:
        await db.dispose()


async def test_an_empty_database_is_onboarded_and_restored_from_an_export(
    db: Database,
    database_url: str,
    backend: str,
    sqlite_templates: SqliteTemplates,
    postgres_templates: PostgresTemplates | None,
    tmp_path: Path,
) -> None:
    await seed_demo(db)
    path = tmp_path / "catalogue.jsonl"
    exported = await market(database_url, "export", str(path))
    assert exported.returncode == 0, exported.stderr
    async with db.read() as session:
        makers = list(
            await session.scalars(
                select(Organisation).where(Organisation.kind == OrgKind.MANUFACTURER)
            )
        )
    source = await _json(
        database_url, "create-client", "--org", "demo-curator", "--officer", "a@curator.example"
    )
    before = _catalogue(await _read(database_url, source, CATALOGUE))

    target = await _empty_url(backend, sqlite_templates, postgres_templates)
    refused = await market(target, "import", str(path), "--curator", "brave1")
    assert refused.returncode != 0
    assert "run `market migrate` first" in refused.stderr, refused.stderr
    migrated = await market(target, "migrate")
    assert migrated.returncode == 0, migrated.stderr
    curator = await _json(
        target, "create-organisation", "--kind", "CURATOR", "--slug", "brave1",
        "--name", "Brave1 curators", "--country", "UA",
    )  # fmt: skip
    assert curator["slug"] == "brave1" and curator["id"]
    for maker in makers:
        await _json(
            target, "create-organisation", "--kind", "MANUFACTURER", "--slug", maker.slug,
            "--name", maker.name, "--country", "UA",
        )  # fmt: skip
    again = await market(
        target, "create-organisation", "--kind", "PARTNER", "--slug", "brave1",
        "--name", "x", "--country", "PL",
    )  # fmt: skip
    assert again.returncode == 2 and "taken" in again.stderr

    imported = await market(target, "import", str(path), "--curator", "brave1")
    assert imported.returncode == 0, imported.stderr
    assert "0 rejected" in imported.stderr

    no_officer = await market(target, "create-client", "--org", "brave1")
    assert no_officer.returncode == 2 and "officer" in no_officer.stderr
    client = await _json(
        target, "create-client", "--org", "brave1", "--officer", "iryna.bondarenko@brave1.example"
    )
    me = (await _read(target, client, ME))["me"]
    assert me["organisation"] == {"slug": "brave1", "kind": "CURATOR"}
    assert me["officer"] == {"name": "Iryna Bondarenko", "email": "iryna.bondarenko@brave1.example"}
    after = _catalogue(await _read(target, client, CATALOGUE))
    assert before and after == before
    if backend == "postgres":
        assert postgres_templates is not None
        await postgres_templates.drop(target.rsplit("/", 1)[1])
