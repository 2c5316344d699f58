"""Throw-away databases for tests: a migrated template per backend, cloned for each test, and
a second template with the demo catalogue seeded into it, built the first time a test asks for
a seeded database (cloning it is cheaper than seeding every test's database anew)."""

import asyncio
import os
import shutil
import sqlite3
import uuid
from dataclasses import dataclass
from pathlib import Path

import asyncpg
from sqlalchemy.engine import make_url

from api.migrate import migrate

ADMIN_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")


def _asyncpg_dsn(url: str) -> str:
    return str(make_url(url).set(drivername="postgresql"))


async def terminate_other_connections(url: str) -> int:
    """Ends every other session on `url`'s PostgreSQL database, as a server restart or an
    administrator would; the number ended."""
    connection = await asyncpg.connect(_asyncpg_dsn(url))
    try:
        killed = await connection.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )
    finally:
        await connection.close()
    return len(killed)


async def postgres_available() -> bool:
    try:
        conn = await asyncpg.connect(_asyncpg_dsn(ADMIN_URL), timeout=3)
    except (OSError, asyncpg.PostgresError):
        return False
    await conn.close()
    return True


@dataclass
class PostgresTemplates:
    """One migrated template database per test run; each test gets a clone of it."""

    run_id: str
    template: str | None = None
    seeded_template: str | None = None
    _dropping: "asyncio.Task[None] | None" = None
    _seeding: asyncio.Lock | None = None

    def url_for(self, name: str) -> str:
        return str(make_url(ADMIN_URL).set(database=name, drivername="postgresql+asyncpg"))

    async def _admin(self) -> asyncpg.Connection:
        return await asyncpg.connect(_asyncpg_dsn(ADMIN_URL))

    async def prepare(self) -> None:
        self.template = f"market_tpl_{self.run_id}"
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{self.template}"')
        finally:
            await conn.close()

    def migrate_template(self) -> None:
        assert self.template
        migrate(self.url_for(self.template))

    async def clone(self, *, seeded: bool = False) -> str:
        """A fresh database: migrated and empty, or `seeded` with the demo catalogue."""
        template = await self._seeded() if seeded else self.template
        name = f"market_t_{self.run_id}_{uuid.uuid4().hex[:8]}"
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            await conn.close()
        return name

    async def _seeded(self) -> str:
        self._seeding = self._seeding or asyncio.Lock()
        async with self._seeding:
            if self.seeded_template is None:
                name = await self.clone()
                await seed_into(self.url_for(name))  # no connection left: it can be a template
                self.seeded_template = name
        return self.seeded_template

    async def drop(self, name: str) -> None:
        conn = await self._admin()
        try:
            await conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await conn.close()

    def drop_soon(self, name: str) -> None:
        """Drop in the background, one database after another, while the next test runs:
        DROP DATABASE waits for a checkpoint, which the test run need not wait for."""
        previous = self._dropping

        async def chained() -> None:
            if previous is not None:
                await previous
            await self.drop(name)

        self._dropping = asyncio.get_running_loop().create_task(chained())

    async def dropped(self) -> None:
        if self._dropping is not None:
            await self._dropping

    async def empty(self) -> str:
        name = f"market_e_{self.run_id}_{uuid.uuid4().hex[:8]}"
        conn = await self._admin()
        try:
            await conn.execute(f'CREATE DATABASE "{name}"')
        finally:
            await conn.close()
        return name


async def seed_into(url: str) -> None:
    from catalog.core.db import Database
    from catalog.demo.seed import seed_demo

    db = Database(url, pool_size=2)
    try:
        await seed_demo(db)
    finally:
        await db.dispose()


@dataclass
class SqliteTemplates:
    directory: Path
    template: Path | None = None
    seeded_template: Path | None = None

    def url_for(self, path: Path) -> str:
        return f"sqlite+aiosqlite:///{path}"

    def migrate_template(self) -> None:
        self.template = self.directory / "template.db"
        migrate(self.url_for(self.template))

    def clone(self, source: Path | None = None) -> Path:
        source = source or self.template
        assert source
        target = self.directory / f"t_{uuid.uuid4().hex[:8]}.db"
        shutil.copyfile(source, target)
        return target

    async def seeded_clone(self) -> Path:
        """A copy of the seeded template (built on first use: the tests of one process run one
        after another, so no lock is needed)."""
        if self.seeded_template is None:
            path = self.clone()
            await seed_into(self.url_for(path))
            # Everything in the main file, so that copying that file copies all of it.
            with sqlite3.connect(path) as conn:
                conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            self.seeded_template = path
        return self.clone(self.seeded_template)
