"""Read sessions: no transaction around them (on SQLite no BEGIN, so no snapshot held between
statements), and PostgreSQL's pooled connections checked only when they have been idle
(catalog/core/db.py)."""

import asyncio

import pytest
from sqlalchemy import text

from catalog.core import db as db_module
from catalog.core.db import Database
from tests.databases import terminate_other_connections

ONLY_POSTGRES = pytest.mark.parametrize("backend", ["postgres"])


@ONLY_POSTGRES
async def test_a_read_session_opens_no_transaction(db: Database) -> None:
    """Inside a transaction now() stands still; between autocommitted statements it moves."""
    async with db.read() as session:
        first = await session.scalar(text("SELECT now()"))
        await asyncio.sleep(0.02)
        second = await session.scalar(text("SELECT now()"))
    assert first is not None and second is not None and second > first


async def test_a_read_session_sees_what_committed_between_its_statements(db: Database) -> None:
    """In a transaction SQLite would keep the snapshot of its first read until the end."""
    async with db.write_session() as session, session.begin():
        await session.execute(text("CREATE TABLE scratch (n integer)"))
    async with db.read() as reading:
        assert await reading.scalar(text("SELECT count(*) FROM scratch")) == 0
        async with db.write_session() as session, session.begin():
            await session.execute(text("INSERT INTO scratch (n) VALUES (1)"))
        assert await reading.scalar(text("SELECT count(*) FROM scratch")) == 1


@ONLY_POSTGRES
async def test_writes_still_run_in_one_transaction(db: Database) -> None:
    async with db.write_session() as session, session.begin():
        started = await session.scalar(text("SELECT now()"))
        await asyncio.sleep(0.01)
        again = await session.scalar(text("SELECT now()"))
    assert started == again


@ONLY_POSTGRES
async def test_an_idle_connection_killed_meanwhile_is_replaced_unseen(
    db: Database, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async with db.read() as session:
        assert await session.scalar(text("SELECT 1")) == 1  # one connection now pooled
    assert await terminate_other_connections(database_url) >= 1
    monkeypatch.setattr(db_module, "PING_IDLE_SECONDS", 0.0)  # it has been idle long enough
    async with db.read() as session:
        assert await session.scalar(text("SELECT 2")) == 2


@ONLY_POSTGRES
async def test_a_busy_connection_is_not_pinged(db: Database, database_url: str) -> None:
    """Within PING_IDLE_SECONDS of its last use a connection goes out unchecked: one killed
    meanwhile fails its statement once, which drops the pool; the next read reconnects."""
    async with db.read() as session:
        await session.scalar(text("SELECT 1"))
    await terminate_other_connections(database_url)
    with pytest.raises(Exception):  # noqa: B017 - asyncpg words it by the state it found
        async with db.read() as session:
            await session.scalar(text("SELECT 1"))
    async with db.read() as session:
        assert await session.scalar(text("SELECT 3")) == 3


@pytest.mark.parametrize(
    "text",
    [
        '{"range_km": 120, "comms": "mesh", "platforms": ["a", "b"], "x": 1.5, "n": null}',
        '{"big": 123456789012345678901234567890, "neg": -9223372036854775809}',
        '{"serial": "12345678901234567890"}',
        '{"nan": NaN, "inf": Infinity}',
        '{"lone": "\\ud800"}',
        '{"k": 1, "k": 2}',
        "[1e400, -0.0, 5e-324]",
    ],
)
def test_json_columns_read_as_the_standard_decoder_reads_them(text: str) -> None:
    import json

    from catalog.core.db import json_loads

    expected, found = json.loads(text), json_loads(text)
    assert repr(found) == repr(expected)  # 2 and 2.0, -0.0 and 0.0 told apart
