"""Bulk-load a generated catalogue into a migrated database, fast.

    python -m bench.dataset --products 100000 --database-url sqlite:///var/bench.db [--seed 1]

Rows go in through SQLAlchemy Core `insert()` executemany in batches, bypassing the ORM and
the per-write audit helper, all in ONE transaction: the catalogue appears whole or not at all.
That transaction also appends a single audit event recording the bulk load, chained with the
same hash helpers as every other write, so `market verify-audit` stays green. No outbox rows are
written: the search index is rebuilt by a reindex.
"""

import asyncio
import json
import time
from collections.abc import Callable, Iterable, Iterator
from dataclasses import asdict, dataclass
from itertools import islice
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TextColumn,
    TimeElapsedColumn,
    TimeRemainingColumn,
)
from sqlalchemy import Table, insert, select, text, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import SQLModel

from bench import vocabulary as words
from bench.generate import CURATOR_SLUG, CatalogueGenerator, quote_count
from catalog.core.audit import canonical_json, event_hash, last_hash, lock_chain
from catalog.core.db import Database
from catalog.core.principal import SYSTEM
from catalog.models import Organisation
from catalog.models.base import utcnow

BATCH_SIZE = 5000
AUDIT_ACTION = "bench.dataset_loaded"
# PostgreSQL's per-row search-index triggers (migrations 0004 and 0014: product rows, release
# rows) triple the load time; the loader pauses them inside its transaction and refreshes the
# index per batch with the migration's own set-based function instead (it reads the batch's
# releases too). SQLite cannot pause triggers; there they run per row.
SEARCH_TRIGGERS = {
    "product": "product_search_product_sync",
    "release": "product_search_release_sync",
}


@dataclass(frozen=True, slots=True)
class LoadReport:
    products: int
    releases: int
    organisations: int
    rules: int
    quotes: int
    cases: int
    decisions: int
    offers: int
    seconds: float


def _table(name: str) -> Table:
    return SQLModel.metadata.tables[name]


def _chunks(rows: Iterable[dict[str, Any]], size: int) -> Iterator[list[dict[str, Any]]]:
    iterator = iter(rows)
    while chunk := list(islice(iterator, size)):
        yield chunk


async def _insert(session: AsyncSession, table: str, rows: list[dict[str, Any]]) -> int:
    for chunk in _chunks(rows, BATCH_SIZE):
        await session.execute(insert(_table(table)), chunk)
    return len(rows)


async def _append_audit_event(session: AsyncSession, seed: int, counts: dict[str, int]) -> None:
    """The one audit event of a bulk load, chained exactly like `catalog.core.transactions` does."""
    await lock_chain(session)
    prev = await last_hash(session)
    occurred_at = utcnow()
    data = json.loads(canonical_json({"seed": seed, **counts}))
    entity_id = f"seed-{seed}"
    digest = event_hash(
        prev_hash=prev,
        occurred_at=occurred_at,
        actor=SYSTEM.subject,
        actor_org_id=None,
        action=AUDIT_ACTION,
        entity_type="Dataset",
        entity_id=entity_id,
        data=data,
    )
    await session.execute(
        insert(_table("audit_event")),
        [
            {
                "occurred_at": occurred_at,
                "actor": SYSTEM.subject,
                "actor_org_id": None,
                "action": AUDIT_ACTION,
                "entity_type": "Dataset",
                "entity_id": entity_id,
                "data": data,
                "prev_hash": prev,
                "hash": digest,
            }
        ],
    )


async def _list_partner_countries(session: AsyncSession) -> None:
    """The generated partners' countries join the programme's partner-country list (the
    migrated list holds the EU and NATO members; bench partners also sit in AU, JP, KR …)."""
    await session.execute(
        update(_table("country"))
        .where(_table("country").c.code.in_(words.PARTNER_COUNTRIES))
        .where(_table("country").c.embargoed.is_(False))
        .values(partner=True)
    )


async def _reserve_accepted_units(session: AsyncSession) -> None:
    """Accepted quotes hold their units in reserve, as `acceptOffer` leaves them."""
    accepted = (
        "(SELECT COALESCE(SUM(q.quantity), 0) FROM quote_request q "
        "WHERE q.product_id = product.id AND q.status = 'ACCEPTED')"
    )
    await session.execute(
        text(
            f"UPDATE product SET units_reserved = {accepted}, units_available = CASE "  # noqa: S608
            f"WHEN units_available > {accepted} THEN units_available - {accepted} ELSE 0 END "
            "WHERE id IN (SELECT product_id FROM quote_request WHERE status = 'ACCEPTED')"
        )
    )


async def _pause_search_triggers(session: AsyncSession) -> bool:
    if session.bind.dialect.name != "postgresql":
        return False
    found = {
        table: await session.scalar(
            text(
                "SELECT 1 FROM pg_trigger"
                " WHERE tgname = :name AND tgrelid = CAST(:table AS regclass)"
            ),
            {"name": trigger, "table": table},
        )
        for table, trigger in SEARCH_TRIGGERS.items()
    }
    if None in found.values():
        return False
    await _set_search_triggers(session, "DISABLE")
    return True


async def _set_search_triggers(session: AsyncSession, state: str) -> None:
    for table, trigger in SEARCH_TRIGGERS.items():
        await session.execute(text(f"ALTER TABLE {table} {state} TRIGGER {trigger}"))


async def _refresh_search(session: AsyncSession, products: list[dict[str, Any]]) -> None:
    await session.execute(
        text("SELECT product_search_refresh(CAST(:ids AS uuid[]))"),
        {"ids": [str(p["id"]) for p in products]},
    )


async def _refuse_if_loaded(db: Database) -> None:
    async with db.read() as session:
        found = await session.scalar(
            select(Organisation.id).where(Organisation.slug == CURATOR_SLUG)
        )
    if found is not None:
        raise RuntimeError("this database already holds a generated catalogue; use a fresh one")


async def load_dataset(
    db: Database,
    products: int,
    seed: int = 1,
    *,
    on_products: Callable[[int], None] | None = None,
) -> LoadReport:
    """Generate and insert the catalogue; `on_products(n)` is called after every batch."""
    await _refuse_if_loaded(db)
    started = time.perf_counter()
    gen = CatalogueGenerator(products, seed)
    counts: dict[str, int] = {"products": 0, "releases": 0}
    async with db.write_session() as session, session.begin():
        counts["organisations"] = await _insert(session, "organisation", gen.organisations())
        await _list_partner_countries(session)
        rules, version = gen.rules()
        counts["rules"] = await _insert(session, "routing_rule", rules)
        await _insert(session, "rule_set_version", [version])
        paused = await _pause_search_triggers(session)
        batches = gen.product_batches(BATCH_SIZE)
        # Generate the next batch in a thread while the database stores this one; the
        # generator is only ever advanced by one thread at a time, so the rows stay the same.
        upcoming = asyncio.create_task(asyncio.to_thread(next, batches, None))
        while (batch := await upcoming) is not None:
            upcoming = asyncio.create_task(asyncio.to_thread(next, batches, None))
            counts["products"] += await _insert(session, "product", batch.products)
            counts["releases"] += await _insert(session, "release", batch.releases)
            if paused:
                await _refresh_search(session, batch.products)
            if on_products:
                on_products(len(batch.products))
        quotes = gen.quotes(quote_count(products))
        counts["quotes"] = await _insert(session, "quote_request", quotes.quotes)
        counts["cases"] = await _insert(session, "licensing_case", quotes.cases)
        counts["decisions"] = await _insert(session, "case_decision", quotes.decisions)
        counts["offers"] = await _insert(session, "quote_offer", quotes.offers)
        await _reserve_accepted_units(session)
        if paused:
            await _set_search_triggers(session, "ENABLE")
        await _append_audit_event(session, seed, counts)
    await analyze(db)
    return LoadReport(**counts, seconds=time.perf_counter() - started)


async def analyze(db: Database) -> None:
    """Fresh planner statistics and, on PostgreSQL, a visibility map (index-only scans), as a
    production database has once autovacuum has been by."""
    if db.is_sqlite:
        async with db.write_engine.connect() as conn:
            await conn.execute(text("ANALYZE"))
            await conn.commit()
        return
    # VACUUM cannot run inside a transaction block.
    async with db.write_engine.connect() as conn:
        autocommit = await conn.execution_options(isolation_level="AUTOCOMMIT")
        await autocommit.execute(text("VACUUM ANALYZE"))


async def load_with_progress(
    database_url: str, products: int, seed: int, console: Console
) -> LoadReport:
    db = Database(database_url)
    columns = (
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
    )
    try:
        with Progress(*columns, console=console) as bar:
            task = bar.add_task(f"loading {db.dialect}", total=products)
            return await load_dataset(
                db, products, seed, on_products=lambda n: bar.advance(task, n)
            )
    finally:
        await db.dispose()


cli = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@cli.command()
def main(
    products: Annotated[int, typer.Option(min=1, help="How many products to generate")],
    database_url: Annotated[str, typer.Option(help="Target database (migrated here if needed)")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same rows")] = 1,
) -> None:
    """Generate a seeded catalogue and bulk-load it into an empty database."""
    from api.migrate import migrate

    console = Console(stderr=True)
    migrate(database_url)
    report = asyncio.run(load_with_progress(database_url, products, seed, console))
    console.print(f"[green]loaded[/green] {json.dumps(asdict(report))}")
    console.print(f"{report.products:,} products in [bold]{report.seconds:.1f} s[/bold]")


if __name__ == "__main__":
    cli()
