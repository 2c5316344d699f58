"""`market report`: the programme's report for a period, as CSV or JSON on standard output."""

import asyncio
import csv
import json
import sys
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated

import typer
from rich.console import Console

from api.settings import Settings
from catalog.core.errors import DomainError

if TYPE_CHECKING:
    from catalog.programme.report import ProgrammeReport

# The report's code, the models and the database drivers are imported when the command runs
# (api/cli_catalogue.py says why).
console = Console(stderr=True)


async def _report(period_from: date, period_to: date) -> "ProgrammeReport":
    from catalog.core.db import Database
    from catalog.programme.report import build_report

    db = Database(Settings().database_url)
    try:
        async with db.read() as session:
            return await build_report(session, period_from, period_to)
    finally:
        await db.dispose()


def report_command(
    period_from: Annotated[
        datetime, typer.Option("--from", formats=["%Y-%m-%d"], help="First day (YYYY-MM-DD)")
    ],
    period_to: Annotated[
        datetime, typer.Option("--to", formats=["%Y-%m-%d"], help="Last day, included")
    ],
    output_format: Annotated[str, typer.Option("--format", help="csv or json")] = "json",
) -> None:
    """The programme's report: accepted sales by country, category and month, licensing queues,
    refusals and co-production requests."""
    from catalog.programme.report import report_json, report_rows

    if output_format not in ("csv", "json"):
        console.print("[red]--format must be csv or json[/red]")
        raise typer.Exit(code=2)
    try:
        report = asyncio.run(_report(period_from.date(), period_to.date()))
    except DomainError as error:
        console.print(f"[red]refused:[/red] {error}")
        raise typer.Exit(code=2) from error
    if output_format == "json":
        sys.stdout.write(json.dumps(report_json(report), indent=2) + "\n")
        return
    writer = csv.DictWriter(sys.stdout, fieldnames=["section", "key", "metric", "value"])
    writer.writeheader()
    writer.writerows(report_rows(report))


def register(app: typer.Typer) -> None:
    app.command("report")(report_command)
