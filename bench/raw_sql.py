"""The `raw` floor's data access: hand-written SQL through the database's plain driver (stdlib
`sqlite3` on the event loop's own thread, `asyncpg` on PostgreSQL), rows as tuples.

Only the benchmark partner's view is written out (a vetted partner: published products with a
live release to its country, the country on the partner list and not embargoed), which is
what every read scenario measures; any other caller is refused rather than answered wrongly.
"""

import sqlite3
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import asyncpg
from sqlalchemy.engine import make_url

from catalog.core.db import SQLITE_READ_CACHE_KIB

Row = Sequence[Any]

_VISIBLE = """
p.status = 'PUBLISHED'
AND EXISTS (SELECT 1 FROM release r WHERE r.product_id = p.id AND r.country = {country}
            AND r.revoked_at IS NULL AND (r.expires_at IS NULL OR r.expires_at > {now}))
AND EXISTS (SELECT 1 FROM country k WHERE k.code = {country} AND k.partner AND NOT k.embargoed)
"""
_PRODUCT_COLUMNS = """
p.id, p.name, p.category, p.summary, p.control_entry, p.tech_transfer, p.units_available,
p.lead_time_days, p.unit_price_eur, p.specs, o.id, o.name, o.country
FROM product p JOIN organisation o ON o.id = p.manufacturer_id
"""
PAGE_SQL = f"SELECT {_PRODUCT_COLUMNS} WHERE {_VISIBLE} ORDER BY p.name, p.id LIMIT {{limit}}"
ONE_SQL = f"SELECT {_PRODUCT_COLUMNS} WHERE p.id = {{product}} AND {_VISIBLE}"


class RawDatabase:
    """One plain connection (SQLite) or a small pool (PostgreSQL); `fetch` runs one statement.

    Statements are written with named slots and rendered once per dialect into the driver's
    placeholders, so the per-request work is the driver call alone."""

    def __init__(self, url: str) -> None:
        parsed = make_url(url)
        self.is_sqlite = parsed.get_backend_name() == "sqlite"
        self._url = parsed
        self._sqlite: sqlite3.Connection | None = None
        self._pool: asyncpg.Pool | None = None

    async def open(self) -> None:
        if self.is_sqlite:
            # Autocommit: each read is its own implicit transaction, like a pooled session.
            self._sqlite = sqlite3.connect(self._url.database or "", isolation_level=None)
            self._sqlite.execute("PRAGMA busy_timeout=10000")
            # The page cache the application's read connections have: the floor reads from the
            # same memory, not from a smaller one.
            self._sqlite.execute(f"PRAGMA cache_size=-{SQLITE_READ_CACHE_KIB:d}")
        else:
            dsn = self._url.set(drivername="postgresql").render_as_string(hide_password=False)
            self._pool = await asyncpg.create_pool(dsn, min_size=2, max_size=10)

    async def close(self) -> None:
        if self._sqlite is not None:
            self._sqlite.close()
        if self._pool is not None:
            await self._pool.close()

    def render(self, sql: str, names: Sequence[str]) -> str:
        """`{name}` slots into `?` (SQLite) or `$n` (PostgreSQL), in the order of `names`."""
        if self.is_sqlite:
            return sql.format(**{name: "?" for name in names})
        slots = {name: f"${i}" for i, name in enumerate(names, start=1)}
        return sql.format(**slots)

    async def fetch(self, sql: str, args: Sequence[Any]) -> list[Row]:
        if self._sqlite is not None:
            return self._sqlite.execute(sql, tuple(args)).fetchall()
        assert self._pool is not None
        async with self._pool.acquire() as conn:
            return list(await conn.fetch(sql, *args))

    def now(self) -> Any:
        moment = datetime.now(UTC)
        # SQLite holds UTC timestamps as text without an offset (see UTCDateTime).
        return moment.strftime("%Y-%m-%d %H:%M:%S.%f") if self.is_sqlite else moment

    def product_id(self, value: uuid.UUID) -> Any:
        return value.hex if self.is_sqlite else value


class Statements:
    """The scenarios' statements rendered for one database, with their argument builders."""

    def __init__(self, db: RawDatabase) -> None:
        self.db = db
        # SQLite `?` slots are positional, so a name used twice is passed twice.
        if db.is_sqlite:
            self.page = db.render(
                PAGE_SQL.replace("{country}", "{c1}", 1).replace("{country}", "{c2}"),
                ["c1", "now", "c2", "limit"],
            )
            self.one = db.render(
                ONE_SQL.replace("{country}", "{c1}", 1).replace("{country}", "{c2}"),
                ["product", "c1", "now", "c2"],
            )
        else:
            self.page = db.render(PAGE_SQL, ["country", "now", "limit"])
            self.one = db.render(ONE_SQL, ["product", "country", "now"])

    def page_args(self, country: str, limit: int) -> list[Any]:
        now = self.db.now()
        if self.db.is_sqlite:
            return [country, now, country, limit]
        return [country, now, limit]

    def one_args(self, product: uuid.UUID, country: str) -> list[Any]:
        now, pid = self.db.now(), self.db.product_id(product)
        if self.db.is_sqlite:
            return [pid, country, now, country]
        return [pid, country, now]
