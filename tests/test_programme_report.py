"""The programme's report over GraphQL and the `market report` command (SQLite and
PostgreSQL): its totals are the sums of the accepted quotes in the database."""

import csv
import io
import json
import uuid
from datetime import date
from decimal import Decimal
from typing import Any

import httpx
from sqlalchemy import func, select

from catalog.core.db import Database
from catalog.core.enums import QuoteStatus
from catalog.models import LicensingCase, QuoteRequest
from schema.relay import to_global_id
from tests.graphql import gql
from tests.integrity_support import Desk, TokenFor, product_named
from tests.test_cli import market

REPORT = """query($from: Date!, $to: Date!) { programmeReport(from: $from, to: $to) {
  acceptedQuotes acceptedUnits acceptedValueEur
  byCountry { key quotes units valueEur } byCategory { key quotes units valueEur }
  byMonth { key quotes units valueEur }
  queues { queue cases decided medianDecisionHours slaBreaches }
  refusals { key count } coProductionByStatus { key count } coProductionByCountry { key count }
} }"""
CO_PRODUCE = """mutation($input: RequestCoProductionInput!) { requestCoProduction(input: $input) {
  coProductionRequest { status } errors { code } } }"""


async def _accepted(desk: Desk, product_id: uuid.UUID, quantity: int, price: str) -> None:
    quote = await desk.offered(product_id, quantity, price)
    accepted = await desk.accept(quote["id"])
    assert accepted["errors"] == [], accepted


async def _database_totals(db: Database) -> tuple[int, int, Decimal, int]:
    async with db.read() as session:
        accepted = QuoteRequest.status == QuoteStatus.ACCEPTED
        count, units, value = (
            await session.execute(
                select(
                    func.count(),
                    func.sum(QuoteRequest.quantity),
                    func.sum(QuoteRequest.offer_unit_price * QuoteRequest.quantity),  # type: ignore[operator]
                ).where(accepted)
            )
        ).one()
        cases = await session.scalar(select(func.count()).select_from(LicensingCase))
    return int(count), int(units), Decimal(value), int(cases or 0)


def _sum(rows: list[dict[str, Any]], name: str) -> Any:
    return sum((Decimal(r[name]) if name == "valueEur" else r[name]) for r in rows)


async def test_the_report_totals_are_the_sums_of_accepted_quotes(
    api: httpx.AsyncClient, db: Database, database_url: str, token_for: TokenFor
) -> None:
    poland = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    germany = await Desk.open(api, token_for, "demo-partner-DE", "demo-manufacturer-2")
    await _accepted(poland, (await product_named(db, "Kremin")).id, 2, "40000.00")
    await _accepted(
        poland, (await product_named(db, "Pomich Evacuation Ground Drone")).id, 3, "50000.50"
    )
    await _accepted(
        germany, (await product_named(db, "Kurai Recon Ground Drone")).id, 4, "20000.00"
    )
    refused = await poland.request((await product_named(db, "Kremin")).id, quantity=1)
    decided = await poland.decide(refused["licensingCase"]["id"], "REFUSE")
    assert decided["errors"] == []
    kremin = await product_named(db, "Kremin")
    co_production = {
        "productId": to_global_id("Product", kremin.id),
        "productionCountry": "PL",
        "localPartnerName": "Mazovia Drone Works",
        "plannedUnitsPerYear": 50,
        "technologyScope": ["airframe"],
        "idempotencyKey": "cp-1",
    }
    asked = await poland.run(poland.partner, CO_PRODUCE, {"input": co_production})
    assert asked["requestCoProduction"]["errors"] == []

    today = date.today().isoformat()
    period = {"from": today, "to": today}
    count, units, value, cases = await _database_totals(db)
    assert count == 3 and value == Decimal("310001.50")
    for token in (poland.curator, poland.officer):
        report = (await poland.run(token, REPORT, period))["programmeReport"]
        assert (report["acceptedQuotes"], report["acceptedUnits"]) == (count, units)
        assert Decimal(report["acceptedValueEur"]) == value
        for grouping in ("byCountry", "byCategory", "byMonth"):
            rows = report[grouping]
            assert (_sum(rows, "quotes"), _sum(rows, "units"), _sum(rows, "valueEur")) == (
                count, units, value,
            )  # fmt: skip
    by_country = {
        r["key"]: (r["quotes"], r["units"], Decimal(r["valueEur"])) for r in report["byCountry"]
    }
    assert by_country == {"DE": (1, 4, Decimal("80000.00")), "PL": (2, 5, Decimal("230001.50"))}
    assert [r["key"] for r in report["byMonth"]] == [today[:7]]
    assert sum(q["cases"] for q in report["queues"]) == cases
    assert all(q["medianDecisionHours"] is not None for q in report["queues"] if q["decided"])
    assert {"key": "checked", "count": 1} in report["refusals"]
    # This request and the demo's two (seeded today): one in PL, one refused in GB.
    assert report["coProductionByStatus"] == [
        {"key": "TECH_TRANSFER_REVIEW", "count": 2},
        {"key": "REFUSED", "count": 1},
    ]
    assert report["coProductionByCountry"] == [
        {"key": "PL", "count": 2},
        {"key": "GB", "count": 1},
    ]
    sensitive = [r for r in report["refusals"] if r["key"].startswith("co-production: sensitive")]
    assert [r["count"] for r in sensitive] == [1]

    denied = await gql(api, poland.partner, REPORT, period, expect_errors=True)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    backwards = await gql(
        api, poland.curator, REPORT, {"from": today, "to": "2020-01-01"}, expect_errors=True
    )
    assert backwards["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"

    as_json = await market(
        database_url, "report", "--from", today, "--to", today, "--format", "json"
    )
    assert as_json.returncode == 0, as_json.stderr
    printed = json.loads(as_json.stdout)
    assert (printed["accepted_quotes"], Decimal(printed["accepted_value_eur"])) == (count, value)
    as_csv = await market(database_url, "report", "--from", today, "--to", today, "--format", "csv")
    assert as_csv.returncode == 0, as_csv.stderr
    rows = list(csv.DictReader(io.StringIO(as_csv.stdout)))
    totals = {r["metric"]: r["value"] for r in rows if r["section"] == "total"}
    assert Decimal(totals["accepted_value_eur"]) == value and int(totals["accepted_units"]) == units
    country_values = [
        Decimal(r["value"])
        for r in rows
        if r["section"] == "country" and r["metric"] == "value_eur"
    ]
    assert sum(country_values) == value
