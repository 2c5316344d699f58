"""Catalogue import/export: round trip through files, idempotent re-import, row rejections."""

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from api.app import create_app
from api.settings import Settings
from catalog.core.db import Database
from catalog.core.principal import SYSTEM
from catalog.core.transactions import write
from catalog.demo.seed import seed_demo
from catalog.io.catalogue import export_catalogue, find_curator, import_catalogue
from catalog.io.files import read_rows, write_rows
from catalog.models import AuditEvent, LicensingCase, Organisation, OutboxEvent
from catalog.quotes.requests import request_quote
from tests.databases import PostgresTemplates, SqliteTemplates
from tests.graphql import gql
from tests.quote_helpers import principal_of, product_for, quote_input
from tests.test_cli import market
from tests.tokens import issue_token

PRODUCTS = """
{ products(first: 100) { totalCount edges { node {
    id name category summary description controlEntry techTransfer unitsAvailable
    leadTimeDays unitPriceEur createdAt publishedAt status reviewNote
    manufacturer { id name }
    releases { country expiresAt }
    combatRecord { firstDeployment roles evidence }
    specs {
      __typename
      ... on GroundDroneSpecs { rangeKm enduranceH payloadKg maxSpeedKmh massKg drive
                                autonomyLevel comms }
      ... on NavalDroneSpecs { rangeKm enduranceH payloadKg maxSpeedKnots lengthM hull
                               autonomyLevel comms }
      ... on SoftwareSpecs { deployment platforms autonomyLevel integrations licenceModel }
    }
} } } }
"""
PARTNER_PRODUCTS = """
{ products(first: 100) { totalCount edges { node {
    id name unitsAvailable specs { __typename }
} } } }
"""


@pytest.fixture
async def empty_db(
    backend: str,
    sqlite_templates: SqliteTemplates,
    postgres_templates: PostgresTemplates | None,
) -> AsyncIterator[tuple[Database, str]]:
    """A second freshly migrated database of the same backend."""
    if backend == "sqlite":
        url = sqlite_templates.url_for(sqlite_templates.clone())
        database = Database(url)
        yield database, url
        await database.dispose()
        return
    assert postgres_templates is not None
    name = await postgres_templates.clone()
    url = postgres_templates.url_for(name)
    database = Database(url)
    yield database, url
    await database.dispose()
    await postgres_templates.drop(name)


async def _copy_organisations(source: Database, target: Database) -> None:
    async with source.read() as session:
        orgs = list(await session.scalars(select(Organisation)))
    async with write(target, SYSTEM) as tx:
        for org in orgs:
            tx.session.add(Organisation(**org.model_dump()))
            tx.audit("organisation.copied", "Organisation", org.id, {"slug": org.slug})


async def _answers(url: str, db: Database, slug: str, query: str) -> dict[str, Any]:
    app = create_app(Settings(database_url=url, market_env="test"), db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as api:
        token = await issue_token(api, db, slug)
        return (await gql(api, token, query))["data"]


async def _counts(db: Database) -> tuple[int, int]:
    async with db.read() as session:
        audits = await session.scalar(select(func.count()).select_from(AuditEvent))
        outbox = await session.scalar(select(func.count()).select_from(OutboxEvent))
    return int(audits or 0), int(outbox or 0)


@pytest.mark.parametrize("suffix", ["jsonl", "csv"])
async def test_export_then_import_into_an_empty_database_answers_identically(
    db: Database,
    database_url: str,
    empty_db: tuple[Database, str],
    tmp_path: Path,
    suffix: str,
) -> None:
    await seed_demo(db)
    target, target_url = empty_db
    await _copy_organisations(db, target)
    path = tmp_path / f"catalogue.{suffix}"

    exported = await market(database_url, "export", str(path))
    assert exported.returncode == 0, exported.stderr
    imported = await market(target_url, "import", str(path), "--curator", "demo-curator")
    assert imported.returncode == 0, imported.stderr
    assert "0 rejected" in imported.stderr

    for slug, query in [
        ("demo-curator", PRODUCTS),
        ("demo-manufacturer-1", PRODUCTS),
        ("demo-partner-PL", PARTNER_PRODUCTS),
        ("demo-partner-US", PARTNER_PRODUCTS),
    ]:
        before = await _answers(database_url, db, slug, query)
        after = await _answers(target_url, target, slug, query)
        assert before["products"]["totalCount"] > 0
        assert after == before, slug

    # Importing the same file again changes nothing and records nothing.
    counts = await _counts(target)
    curator = await find_curator(target, "demo-curator")
    lines = read_rows(path, suffix)  # type: ignore[arg-type]
    report = await import_catalogue(target, curator, lines)
    assert (report.created, report.updated, report.rejected) == (0, 0, [])
    assert report.unchanged == len(lines) > 0 and not report.written
    assert await _counts(target) == counts


async def test_reimporting_an_export_over_its_source_changes_nothing(
    db: Database, tmp_path: Path
) -> None:
    await seed_demo(db)
    path = tmp_path / "catalogue.jsonl"
    write_rows(path, "jsonl", await export_catalogue(db))
    counts = await _counts(db)
    report = await import_catalogue(db, await find_curator(db, None), read_rows(path, "jsonl"))
    assert report.unchanged == len(read_rows(path, "jsonl")) > 0
    assert (report.created, report.updated, report.written) == (0, 0, False)
    assert await _counts(db) == counts


CSV_HEADER = (
    "manufacturer,sku,name,category,summary,control_entry,tech_transfer,units_available,"
    "status,released_to,specs.range_km,specs.platforms,combat_record.roles\n"
)


async def test_changed_rows_are_updated_with_one_audit_event_each(
    db: Database, tmp_path: Path
) -> None:
    await seed_demo(db)
    rows = await export_catalogue(db)
    rows[0]["units_available"] += 7
    rows[0]["released_to"] = ["PL"]
    path = tmp_path / "changed.jsonl"
    write_rows(path, "jsonl", rows)
    audits, outbox = await _counts(db)

    report = await import_catalogue(db, await find_curator(db, None), read_rows(path, "jsonl"))

    assert (report.created, report.updated, report.unchanged) == (0, 1, len(rows) - 1)
    assert await _counts(db) == (audits + 1, outbox + 1)
    async with db.read() as session:
        event = await session.scalar(select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))  # type: ignore[union-attr]
    assert event is not None and event.action == "product.import_updated"
    assert event.data["changed"] == ["units_available"]
    assert "+PL" not in event.data["releases"] and event.data["releases"]
    exported = {(r["manufacturer"], r["sku"]): r for r in await export_catalogue(db)}
    assert exported[rows[0]["manufacturer"], rows[0]["sku"]]["released_to"] == ["PL"]


async def test_a_bad_row_rejects_the_whole_file_unless_partial(
    db: Database, tmp_path: Path
) -> None:
    await seed_demo(db)
    path = tmp_path / "spreadsheet.csv"
    path.write_text(
        CSV_HEADER
        + "demo-manufacturer-1,NEW-1,Mule,GROUND_DRONE,Carrier,ML6,NONE,4,PUBLISHED,PL;DE,120,,"
        "logistics;casevac\n"
        + "demo-manufacturer-1,NEW-2,Bad,GROUND_DRONE,Carrier,XX1,NONE,-1,DRAFT,RU,abc,,\n"
        + "nobody,NEW-3,Ghost,SOFTWARE,Tool,ML21,NONE,1,DRAFT,,,linux;windows,\n"
    )
    counts = await _counts(db)
    curator = await find_curator(db, None)

    report = await import_catalogue(db, curator, read_rows(path, "csv"))
    assert not report.written and report.created == 0
    assert [(r.line, r.sku) for r in report.rejected] == [(3, "NEW-2"), (4, "NEW-3")]
    reasons = " | ".join(report.rejected[0].reasons)
    for expected in ("controlEntry", "unitsAvailable", "embargo", "range_km"):
        assert expected in reasons
    assert "manufacturer" in report.rejected[1].reasons[0]
    assert await _counts(db) == counts

    partial = await import_catalogue(db, curator, read_rows(path, "csv"), partial=True)
    assert partial.written and partial.created == 1 and len(partial.rejected) == 2
    mule = next(r for r in await export_catalogue(db) if r["sku"] == "NEW-1")
    assert mule["released_to"] == ["DE", "PL"] and mule["status"] == "PUBLISHED"
    assert mule["specs"]["range_km"] == 120.0
    assert mule["combat_record"]["roles"] == ["logistics", "casevac"]
    assert await _counts(db) == (counts[0] + 1, counts[1] + 1)


async def test_import_command_prints_rejected_lines_and_exits_non_zero(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    await seed_demo(db)
    path = tmp_path / "bad.csv"
    path.write_text(
        CSV_HEADER + "demo-manufacturer-1,NEW-9,,GROUND_DRONE,Carrier,ML6,NONE,1,DRAFT,,,,\n"
    )
    result = await market(database_url, "import", str(path))
    assert result.returncode == 1
    assert "Rejected rows" in result.stderr and "NEW-9" in result.stderr
    assert "name is required" in result.stderr and "nothing imported" in result.stderr


async def test_imports_release_only_to_partner_countries_and_hold_the_quotes_they_stop(
    db: Database, tmp_path: Path
) -> None:
    """An import is one more write that can revoke a release or suspend a listing: the open
    quotes it touches are held like after `revokeRelease`, in the same transaction."""
    await seed_demo(db)
    partner = await principal_of(db, "demo-partner-PL")
    kremin = next(r for r in await export_catalogue(db) if r["name"] == "Kremin")
    product = await product_for(db, partner)
    assert product.name == "Burian Strike Ground Drone"
    quote = await request_quote(db, partner, quote_input(product))
    rows = [r for r in await export_catalogue(db) if r["sku"] == product.sku]
    rows[0]["status"] = "SUSPENDED"
    rows.append({**kremin, "released_to": [*kremin["released_to"], "JP"]})
    path = tmp_path / "changes.jsonl"
    write_rows(path, "jsonl", rows)
    curator = await find_curator(db, None)

    report = await import_catalogue(db, curator, read_rows(path, "jsonl"), partial=True)
    assert report.updated == 1 and [r.sku for r in report.rejected] == [kremin["sku"]]
    assert "not one of the programme's partner countries" in report.rejected[0].reasons[0]
    async with db.read() as session:
        case = await session.scalar(
            select(LicensingCase).where(LicensingCase.quote_request_id == quote.id)
        )
    assert case is not None and case.status == "ON_HOLD"
    assert case.hold_causes == ["PRODUCT_SUSPENDED"]
