"""Direct reads (catalog/core/direct_reads.py): the rows SQLAlchemy's own execution of the same
statement returns, value for value and type for type; seen by statement listeners; refused for
a statement whose text is not final; a connection that failed is not handed out again."""

import asyncio
import uuid
from typing import Any

import pytest
from sqlalchemy import Float, bindparam, func, select
from sqlmodel import col

from catalog.core.db import Database, is_unavailable
from catalog.core.direct_reads import (
    MAX_ID_SLOTS,
    DirectRead,
    _uuid_from_text,
    slot_count,
    slotted_ids,
)
from catalog.models import Product
from catalog.products import listing
from catalog.products.listing import ProductOrder
from catalog.visibility import caller_shape, visibility_values
from tests.databases import terminate_other_connections
from tests.quote_helpers import principal_of
from tests.sqlcount import count_statements

ONLY_POSTGRES = pytest.mark.parametrize("backend", ["postgres"])
CALLERS = ["demo-partner-PL", "demo-partner-DE", "demo-manufacturer-1", "demo-curator"]


def _typed(rows: list[Any]) -> list[list[tuple[type, Any]]]:
    return [[(type(value), value) for value in row] for row in rows]


async def _through_sqlalchemy(db: Database, read: DirectRead, values: dict[str, Any]) -> list[Any]:
    async with db.read_connection() as connection:
        return list((await connection.execute(read.statement, values)).all())


@pytest.mark.parametrize("slug", CALLERS)
async def test_pages_are_sqlalchemys_rows_for_every_order_and_caller(
    seeded: Database, slug: str
) -> None:
    principal = await principal_of(seeded, slug)
    for order in ProductOrder:
        columns = listing.SORT_COLUMNS[order]
        first = await listing.list_products(
            seeded, principal, product_filter=None, order=order, first=3, after=None
        )
        for after in (None, first.cursors[0]):
            values = {
                **listing.page_values(order, columns, 3, after),
                **visibility_values(principal),
            }
            read = listing._unfiltered_page(caller_shape(principal), None, order, bool(after))
            direct = await seeded.fetch(read, values)
            expected = await _through_sqlalchemy(seeded, read, values)
            assert expected, (slug, order, after)
            assert _typed(direct) == _typed(expected)
            assert [r._asdict() for r in direct] == [dict(r._mapping) for r in expected]


async def test_lookups_read_every_visible_id_once_whatever_the_batch(seeded: Database) -> None:
    principal = await principal_of(seeded, "demo-curator")
    async with seeded.read() as session:
        every = list((await session.scalars(select(col(Product.id)))).all())
    partner = await principal_of(seeded, "demo-partner-PL")
    visible = await listing.get_many_visible(seeded, partner, every)
    assert 0 < len(visible) < len(every)  # some products are hidden from a partner
    missing = uuid.uuid4()
    asked = [every[0], missing, every[0], *every[1:]] * 5  # repeats, an unknown id, > 128
    assert len(asked) > MAX_ID_SLOTS
    found = await listing.get_many_visible(seeded, principal, asked)
    assert set(found) == set(every)
    assert all(found[key].id == key for key in found)
    # The same rows as SQLAlchemy reads for one id.
    shape = caller_shape(principal)
    values = {**slotted_ids([every[1]], 1), **visibility_values(principal)}
    expected = await _through_sqlalchemy(seeded, listing._visible_by_id(shape, 1), values)
    assert _typed([found[every[1]]]) == _typed(expected)


def test_id_slots_are_powers_of_two_up_to_the_cap() -> None:
    assert [slot_count([0] * n) for n in (1, 2, 3, 5, 64, 65, 500)] == [1, 2, 4, 8, 64, 128, 128]
    assert slotted_ids(["a", "b", "c"], 4) == {"id_0": "a", "id_1": "b", "id_2": "c", "id_3": "c"}


async def test_statement_listeners_see_a_direct_read(seeded: Database) -> None:
    principal = await principal_of(seeded, "demo-partner-PL")
    with count_statements(seeded) as counted:
        page = await listing.list_products(
            seeded, principal, product_filter=None, order=ProductOrder.NAME, first=5, after=None
        )
        await listing.get_many_visible(seeded, principal, [r.id for r in page.items])
    assert counted.count == 2
    assert all(s.lstrip().upper().startswith("SELECT") for s in counted.statements)


async def test_a_statement_whose_text_changes_per_call_is_refused(db: Database) -> None:
    expanding = select(col(Product.id)).where(col(Product.id).in_(bindparam("ids", expanding=True)))
    with pytest.raises(ValueError, match="final"):
        await db.fetch(DirectRead(expanding), {"ids": [uuid.uuid4()]})


async def test_a_failed_statement_leaves_the_pool_usable(seeded: Database) -> None:
    broken = DirectRead(select(col(Product.id)).where(col(Product.name) == bindparam("name")))
    with pytest.raises(KeyError):  # a value missing: nothing is sent
        await seeded.fetch(broken, {})
    assert await seeded.fetch(broken, {"name": "no such product"}) == []


@ONLY_POSTGRES
async def test_a_connection_lost_under_a_direct_read_is_discarded(
    seeded: Database, database_url: str
) -> None:
    principal = await principal_of(seeded, "demo-partner-PL")
    ids = [uuid.uuid4()]
    assert await listing.get_many_visible(seeded, principal, ids) == {}  # one connection pooled
    assert await terminate_other_connections(database_url) >= 1
    with pytest.raises(Exception) as failed:
        await listing.get_many_visible(seeded, principal, ids)
    assert is_unavailable(failed.value)
    # The next read gets a live connection: the dead one was not put back.
    assert await listing.get_many_visible(seeded, principal, ids) == {}


@ONLY_POSTGRES
async def test_a_direct_read_cancelled_midway_leaves_the_pool_usable(db: Database) -> None:
    """The cancelled read's connection goes back neither busy nor checked out: the next read,
    with only that one connection ever opened, answers at once."""
    sleep = DirectRead(select(func.pg_sleep(bindparam("seconds", type_=Float)).label("slept")))
    assert len(await db.fetch(sleep, {"seconds": 0})) == 1
    task = asyncio.create_task(db.fetch(sleep, {"seconds": 5}))
    await asyncio.sleep(0.3)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert db.engine.sync_engine.pool.checkedout() == 0
    assert len(await asyncio.wait_for(db.fetch(sleep, {"seconds": 0}), 2)) == 1


# Fixed values: every test process collects the same parameters.
_HEX = "1097c952807e45c1be1c8ad5ca1e1c27"
UUID_TEXTS = [
    _HEX,
    _HEX.upper(),
    "0x" + _HEX[:30],  # int() and uuid.UUID both read a 0x prefix
    str(uuid.UUID(_HEX)),  # dashes: uuid.UUID's own path
    "{" + _HEX + "}",
    "urn:uuid:" + str(uuid.UUID(_HEX)),
    "g" * 32,  # letters that are not hex digits
    "\u0661" * 32,  # digits int() reads that are not ASCII (Arabic-Indic one)
    "-" + "1" * 31,  # a sign int() would take
    "1_" * 16,  # underscores int() would take
    " " + "1" * 31,
    "1" * 31,
    "",
    None,
    b"1" * 32,  # bytes: uuid.UUID refuses them
]


@pytest.mark.parametrize("text", UUID_TEXTS)
def test_uuid_columns_read_from_text_as_uuid_reads_them(text: Any) -> None:
    """SQLite's UUID columns are read without uuid.UUID's parsing of other spellings where
    the text is 32 letters and digits; the value, or the error, is uuid.UUID's own."""

    def read(function: Any) -> tuple[str, Any]:
        try:
            value = function(text)
        except Exception as error:  # the error is what is compared
            return ("error", type(error))
        return ("value", (value, value.int, value.is_safe, str(value)) if value else value)

    def by_uuid(value: Any) -> uuid.UUID | None:
        return None if value is None else uuid.UUID(value)

    assert read(_uuid_from_text) == read(by_uuid)
