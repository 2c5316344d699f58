"""Fresh benchmark databases: a SQLite file or a throw-away PostgreSQL database, loaded."""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from rich.console import Console
from sqlalchemy.engine import make_url

from api.migrate import migrate
from bench.dataset import LoadReport, load_with_progress

ADMIN_URL = os.environ.get("BENCH_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


@dataclass(frozen=True, slots=True)
class LoadedDatabase:
    backend: str
    url: str
    report: LoadReport


def _dsn(url: str) -> str:
    return str(make_url(url).set(drivername="postgresql"))


async def _admin(sql: str) -> None:
    conn = await asyncpg.connect(_dsn(ADMIN_URL))
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


@asynccontextmanager
async def _empty_database(backend: str, products: int, workdir: Path) -> AsyncIterator[str]:
    if backend == "sqlite":
        yield f"sqlite+aiosqlite:///{workdir / f'bench-{products}-{uuid.uuid4().hex[:6]}.db'}"
        return
    name = f"market_bench_{products}_{uuid.uuid4().hex[:8]}"
    await _admin(f'CREATE DATABASE "{name}"')
    try:
        yield str(make_url(ADMIN_URL).set(database=name, drivername="postgresql+asyncpg"))
    finally:
        await _admin(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@asynccontextmanager
async def loaded_database(
    backend: str, products: int, seed: int, workdir: Path, console: Console
) -> AsyncIterator[LoadedDatabase]:
    """A migrated database holding `products` generated products; dropped afterwards."""
    if backend not in ("sqlite", "postgres"):
        raise ValueError(f"unknown backend {backend!r}")
    async with _empty_database(backend, products, workdir) as url:
        await asyncio.to_thread(migrate, url)
        report = await load_with_progress(url, products, seed, console)
        console.print(
            f"{backend}: {report.products:,} products, {report.releases:,} releases "
            f"loaded in {report.seconds:.1f} s"
        )
        yield LoadedDatabase(backend, url, report)
