"""`market import` and `market export`: the catalogue as JSON Lines or CSV files."""

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.console import Console

from api.settings import Settings
from catalog.core.errors import DomainError

if TYPE_CHECKING:
    from rich.table import Table

    from catalog.io.catalogue import ImportReport

# The catalogue code (and the models, SQLAlchemy, the database drivers) is imported by the
# commands that use it: every `market` command loads this module, and most of them never
# read or write a catalogue file.
console = Console(stderr=True)
FormatOption = Annotated[
    str | None, typer.Option("--format", help="jsonl or csv (default: from the file extension)")
]


def _format(path: Path, explicit: str | None) -> Any:
    from catalog.io.files import detect_format

    try:
        return detect_format(path, explicit)
    except ValueError as error:
        console.print(f"[red]{error}[/red]")
        raise typer.Exit(code=2) from error


def _rejections(report: "ImportReport") -> "Table":
    from rich.table import Table

    table = Table(title="Rejected rows", show_lines=True)
    table.add_column("line", justify="right")
    table.add_column("SKU")
    table.add_column("reasons")
    for row in report.rejected:
        table.add_row(str(row.line), row.sku or "", "\n".join(row.reasons))
    return table


async def _import(
    path: Path, file_format: Any, curator_slug: str | None, partial: bool
) -> "ImportReport":
    from rich.progress import Progress

    from catalog.core.db import Database
    from catalog.io.catalogue import find_curator, import_catalogue
    from catalog.io.files import read_rows

    lines = read_rows(path, file_format)
    db = Database(Settings().database_url)
    try:
        curator = await find_curator(db, curator_slug)
        with Progress(console=console, transient=True) as progress:
            tasks = {
                "check": progress.add_task("checking rows", total=len(lines)),
                "write": progress.add_task("writing", total=len(lines)),
            }
            return await import_catalogue(
                db,
                curator,
                lines,
                partial=partial,
                progress=lambda stage, step: progress.advance(tasks[stage], step),
            )
    finally:
        await db.dispose()


def import_command(
    file: Annotated[Path, typer.Argument(exists=True, dir_okay=False, help="A .jsonl or .csv")],
    file_format: FormatOption = None,
    curator: Annotated[
        str | None, typer.Option(help="Curator organisation the import acts for (slug)")
    ] = None,
    partial: Annotated[
        bool, typer.Option(help="Write the valid rows even when some rows are rejected")
    ] = False,
) -> None:
    """Import products (upsert by manufacturer and SKU); all or nothing unless --partial."""
    try:
        report = asyncio.run(_import(file, _format(file, file_format), curator, partial))
    except DomainError as error:
        console.print(f"[red]refused:[/red] {error}")
        raise typer.Exit(code=2) from error
    if report.rejected:
        console.print(_rejections(report))
    summary = (
        f"{report.created} created, {report.updated} updated, {report.unchanged} unchanged, "
        f"{len(report.rejected)} rejected"
    )
    if report.rejected and not report.written:
        label = "nothing imported" if not partial else "nothing to write"
        console.print(f"[red]{label}[/red]: {summary}")
        raise typer.Exit(code=1)
    console.print(f"[green]imported[/green]: {summary}")
    if report.rejected:
        raise typer.Exit(code=1)


def export_command(
    file: Annotated[Path, typer.Argument(dir_okay=False, help="A .jsonl or .csv to write")],
    file_format: FormatOption = None,
) -> None:
    """Export every product with its status and releases."""
    from catalog.core.db import Database
    from catalog.io.catalogue import export_catalogue
    from catalog.io.files import write_rows

    chosen = _format(file, file_format)

    async def run() -> list[dict[str, Any]]:
        db = Database(Settings().database_url)
        try:
            return await export_catalogue(db)
        finally:
            await db.dispose()

    count = write_rows(file, chosen, asyncio.run(run()))
    console.print(f"[green]exported[/green] {count} products to {file}")


def register(app: typer.Typer) -> None:
    app.command("import")(import_command)
    app.command("export")(export_command)
