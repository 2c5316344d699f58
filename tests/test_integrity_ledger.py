"""The surplus ledger over GraphQL (SQLite and PostgreSQL): accepting an offer reserves the
quote's units in one conditional UPDATE, never more than the surplus, also when partners accept
at the same moment."""

import asyncio
import uuid

import httpx

from catalog.core.db import Database
from schema.relay import to_global_id
from tests.graphql import error_codes, gql
from tests.integrity_support import UNITS, UPDATE_PRODUCT, Desk, TokenFor, codes, product_named
from tests.quote_helpers import counts


async def _set_units(desk: Desk, product_id: uuid.UUID, units: int) -> None:
    variables = {
        "input": {"productId": to_global_id("Product", product_id), "unitsAvailable": units}
    }
    changed = (await desk.run(desk.maker, UPDATE_PRODUCT, variables))["updateProduct"]
    assert changed["errors"] == [] and changed["product"]["unitsAvailable"] == units


async def _units(desk: Desk, token: str, product_id: uuid.UUID) -> dict[str, int]:
    variables = {"id": to_global_id("Product", product_id)}
    return (await desk.run(token, UNITS, variables))["product"]


async def test_two_acceptances_never_reserve_more_than_the_surplus(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    """40 units: quotes for 12 and for 40 were both accepted (52 against 40). Now the second
    acceptance answers INSUFFICIENT_UNITS and writes nothing."""
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    kremin = await product_named(db, "Kremin")
    await _set_units(desk, kremin.id, 40)
    twelve = await desk.offered(kremin.id, 12, "40000")
    forty = await desk.offered(kremin.id, 40, "40000")

    assert (await desk.accept(twelve["id"]))["quoteRequest"]["status"] == "ACCEPTED"
    before = await counts(db)
    refused = await desk.accept(forty["id"])
    assert codes(refused) == ["INSUFFICIENT_UNITS"] and refused["quoteRequest"] is None
    assert await counts(db) == before
    assert (await desk.quote(forty["id"]))["status"] == "OFFERED"

    for token in (desk.maker, desk.curator, desk.officer):
        assert await _units(desk, token, kremin.id) == {"unitsAvailable": 28, "unitsReserved": 12}
    # a partner sees only what is still available
    seen = await gql(
        api, desk.partner, UNITS, {"id": to_global_id("Product", kremin.id)}, expect_errors=True
    )
    assert error_codes(seen) == ["FORBIDDEN"]
    assert seen["data"]["product"] == {"unitsAvailable": 28, "unitsReserved": None}

    # approving or offering beyond what is left is refused too
    bigger = await desk.request(kremin.id, quantity=28)
    await _set_units(desk, kremin.id, 20)
    refused = await desk.decide(bigger["licensingCase"]["id"], "APPROVE")
    assert codes(refused) == ["INSUFFICIENT_UNITS"]
    await _set_units(desk, kremin.id, 28)
    assert (await desk.approve(bigger["licensingCase"]["id"]))["errors"] == []
    await _set_units(desk, kremin.id, 27)
    assert codes(await desk.offer(bigger["id"], "40000")) == ["INSUFFICIENT_UNITS"]


async def test_parallel_acceptances_reserve_at_most_the_surplus(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    """Five quotes of 3 units against 10 available, accepted at the same moment (on PostgreSQL
    each request on its own connection): three win, two answer INSUFFICIENT_UNITS."""
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    kremin = await product_named(db, "Kremin")
    await _set_units(desk, kremin.id, 10)
    quotes = [await desk.offered(kremin.id, 3, "40000") for _ in range(5)]

    answers = await asyncio.gather(*(desk.accept(q["id"]) for q in quotes))
    outcomes = sorted(codes(a)[0] if a["errors"] else "ACCEPTED" for a in answers)
    assert outcomes == ["ACCEPTED"] * 3 + ["INSUFFICIENT_UNITS"] * 2
    assert await _units(desk, desk.maker, kremin.id) == {"unitsAvailable": 1, "unitsReserved": 9}
    statuses = [(await desk.quote(q["id"]))["status"] for q in quotes]
    assert sorted(statuses) == ["ACCEPTED"] * 3 + ["OFFERED"] * 2
