"""Read sessions: no transaction around them (on SQLite no BEGIN, so no snapshot held between
statements), PostgreSQL's pooled connections checked only when they have been idle, and JSON
column text read and written as the standard library would (catalog/core/json_columns.py)."""

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from catalog.core import db as db_module
from catalog.core import json_columns
from catalog.core.db import Database
from catalog.core.json_columns import FloatFree, json_dumps
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
        '{"raw lone": "\ud800"}',  # the character itself, not its escape
        '{"n": 1234567890123456789}',  # nineteen digits: within 64 bits, read as either reads
        '{"k": 1, "k": 2}',
        "[1e400, -0.0, 5e-324]",
    ],
)
def test_json_columns_read_as_the_standard_decoder_reads_them(text: str) -> None:
    from catalog.core.json_columns import json_loads

    expected, found = json.loads(text), json_loads(text)
    assert repr(found) == repr(expected)  # 2 and 2.0, -0.0 and 0.0 told apart


_JSON_LEAVES = (
    st.none()
    | st.booleans()
    | st.integers()  # past 64 bits too
    | st.floats()  # NaN and the infinities too
    | st.text()
    | st.sampled_from(["\ud800", "é ї ß 𝄞", "\x00\x1f"])
)
_JSON_VALUES = st.recursive(
    _JSON_LEAVES,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.tuples(inner, inner)
        | st.dictionaries(st.text(max_size=5) | st.integers() | st.booleans(), inner, max_size=4)
    ),
    max_leaves=20,
)


@settings(max_examples=400, deadline=None)
@given(_JSON_VALUES)
def test_json_columns_are_written_as_the_standard_encoder_writes_them(value: object) -> None:
    """Text that reads back as the standard encoder's text does, NaN and all."""
    expected, found = json.loads(json.dumps(value)), json.loads(json_dumps(value))
    assert repr(found) == repr(expected)


@pytest.mark.parametrize("value", [Decimal("1.5"), {"at": datetime.now(UTC)}, {1, 2}, [object()]])
def test_what_the_standard_encoder_refuses_is_refused(value: object) -> None:
    with pytest.raises(TypeError):
        json.dumps(value)
    with pytest.raises(TypeError):
        json_dumps(value)


def test_an_object_made_without_floats_is_written_without_being_read_back(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Its nulls cannot hide a NaN, so its text is not read back to look for one."""

    def read_back(_text: bytes) -> object:
        raise AssertionError("the text was read back")

    value = FloatFree({"explanation": [{"failed_condition": None, "tier": 0}] * 3})
    expected = json.dumps(value)
    monkeypatch.setattr(json_columns.orjson, "loads", read_back)
    assert json.loads(json_dumps(value)) == json.loads(expected)
    with pytest.raises(AssertionError, match="read back"):
        json_dumps({"explanation": [{"failed_condition": None, "tier": 0}]})


def test_a_non_finite_number_under_a_null_is_written_as_the_standard_encoder_writes_it() -> None:
    value = {"failed": None, "rows": [{"x": float("nan")}, {"y": float("-inf")}]}
    assert json_dumps(value) == json.dumps(value)
