"""The domestic reserve and export freezes over GraphQL (SQLite and PostgreSQL): a freeze holds
the open quotes it covers with the cause DOMESTIC_PRIORITY and refuses new ones with the public
reason, lifting it resumes them; the units of a domestic reserve are never quoted or accepted."""

from typing import Any

import httpx
from sqlalchemy import func, select

from catalog.core.db import Database
from catalog.models import AuditEvent
from catalog.programme.coverage import PUBLIC_REASON
from schema.relay import to_global_id
from tests.graphql import gql
from tests.integrity_support import Desk, TokenFor, product_named
from tests.quote_graphql import REQUEST, request_vars
from tests.quote_helpers import counts

FREEZE = """mutation($input: DeclareExportFreezeInput!) { declareExportFreeze(input: $input) {
  exportFreeze { id scope value active version } errors { field code message } } }"""
LIFT = """mutation($input: LiftExportFreezeInput!) { liftExportFreeze(input: $input) {
  exportFreeze { id active version liftedBy } errors { field code message } } }"""
FREEZES = "{ exportFreezes(activeOnly: true) { id value reason } }"
RESERVE = """mutation($id: ID!, $units: Int!) {
  declareDomesticReserve(input: {productId: $id, units: $units}) {
    product { unitsAvailable unitsReserved domesticReserve } errors { field code message } } }"""
STOCK = "query($id: ID!) { product(id: $id) { unitsAvailable unitsReserved domesticReserve } }"


async def _refused(api: httpx.AsyncClient, token: str, variables: dict[str, Any]) -> list[Any]:
    payload = (await gql(api, token, REQUEST, {"input": variables}))["data"]["requestQuote"]
    assert payload["quoteRequest"] is None
    return [(e["field"], e["code"], e["message"]) for e in payload["errors"]]


async def test_a_freeze_holds_covered_quotes_refuses_new_ones_and_lifting_resumes(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-4")
    storozh = await product_named(db, "Storozh Coastal Patrol Sea Drone")  # ML9.a
    kremin = await product_named(db, "Kremin")  # ML6.a: not covered
    waiting = await desk.request(storozh.id, quantity=2)
    licensed = await desk.request(storozh.id, quantity=1)
    assert (await desk.approve(licensed["licensingCase"]["id"]))["errors"] == []

    denied = await gql(
        api,
        desk.curator,
        FREEZE,
        {"input": {"scope": "CONTROL_ENTRY_PREFIX", "value": "ML9", "reason": "x"}},
        expect_errors=True,
    )
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    variables = {
        "input": {
            "scope": "CONTROL_ENTRY_PREFIX",
            "value": "ml9",
            "reason": "Naval drones needed by the Navy for the spring operations",
        }
    }
    frozen = (await desk.run(desk.officer, FREEZE, variables))["declareExportFreeze"]
    assert frozen["errors"] == []
    freeze = frozen["exportFreeze"]
    assert (freeze["value"], freeze["active"], freeze["version"]) == ("ML9", True, 1)

    for quote, held_from in ((waiting, "OPEN"), (licensed, "APPROVED")):
        case = await desk.case(quote["licensingCase"]["id"])
        assert case["status"] == "ON_HOLD" and case["heldFrom"] == held_from
        assert case["holdCauses"] == ["DOMESTIC_PRIORITY"]
        assert "DOMESTIC_PRIORITY" in case["flags"]
        seen = await desk.quote(quote["id"])
        assert seen["onHold"] is True and seen["holdReason"] == PUBLIC_REASON

    before = await counts(db)
    refused = await _refused(api, desk.partner, request_vars(storozh.id, quantity=1))
    assert refused == [("productId", "NOT_ALLOWED", PUBLIC_REASON)]
    assert await counts(db) == before
    other = await desk.request(kremin.id, quantity=1)  # another control entry: not frozen
    assert (await desk.case(other["licensingCase"]["id"]))["status"] == "OPEN"
    listed = (await desk.run(desk.officer, FREEZES))["exportFreezes"]
    assert [f["id"] for f in listed] == [freeze["id"]]

    lift = {"input": {"freezeId": freeze["id"], "reason": "The Navy's needs are covered"}}
    lifted = (await desk.run(desk.officer, LIFT, lift))["liftExportFreeze"]
    assert lifted["errors"] == []
    assert (lifted["exportFreeze"]["active"], lifted["exportFreeze"]["version"]) == (False, 2)
    again = (await desk.run(desk.officer, LIFT, lift))["liftExportFreeze"]
    assert [e["code"] for e in again["errors"]] == ["INVALID_TRANSITION"]
    for quote, status in ((waiting, "OPEN"), (licensed, "APPROVED")):
        case = await desk.case(quote["licensingCase"]["id"])
        assert (case["status"], case["holdCauses"]) == (status, [])
        assert "DOMESTIC_PRIORITY" not in case["flags"]
    assert (await desk.run(desk.officer, FREEZES))["exportFreezes"] == []
    await desk.request(storozh.id, quantity=1)  # accepted again
    async with db.read() as session:
        actions = await session.scalar(
            select(func.count()).where(AuditEvent.action.like("export_freeze.%"))  # type: ignore[attr-defined]
        )
    assert actions == 2


async def test_a_domestic_reserve_is_never_quoted_or_accepted(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    pomich = await product_named(db, "Pomich Evacuation Ground Drone")  # 90 units
    product_id = to_global_id("Product", pomich.id)
    quote = await desk.offered(pomich.id, 30, "50000.00")

    reserved = await desk.run(desk.maker, RESERVE, {"id": product_id, "units": 70})
    assert reserved["declareDomesticReserve"] == {
        "product": {"unitsAvailable": 20, "unitsReserved": 0, "domesticReserve": 70},
        "errors": [],
    }
    accepted = await desk.accept(quote["id"])
    assert [e["code"] for e in accepted["errors"]] == ["INSUFFICIENT_UNITS"]
    before = await counts(db)
    refused = await _refused(api, desk.partner, request_vars(pomich.id, quantity=21))
    assert [(f, c) for f, c, _ in refused] == [("quantity", "INSUFFICIENT_UNITS")]
    assert await counts(db) == before

    too_big = await desk.run(desk.maker, RESERVE, {"id": product_id, "units": 91})
    assert [e["code"] for e in too_big["declareDomesticReserve"]["errors"]] == [
        "INSUFFICIENT_UNITS"
    ]
    other_maker = await token_for("demo-manufacturer-2")
    foreign = await desk.run(other_maker, RESERVE, {"id": product_id, "units": 1})
    assert [e["code"] for e in foreign["declareDomesticReserve"]["errors"]] == ["NOT_FOUND"]
    seen = await gql(api, desk.partner, STOCK, {"id": product_id}, expect_errors=True)
    assert seen["errors"][0]["extensions"]["code"] == "FORBIDDEN"

    shrunk = await desk.run(desk.maker, RESERVE, {"id": product_id, "units": 60})
    assert shrunk["declareDomesticReserve"]["product"]["unitsAvailable"] == 30
    assert (await desk.accept(quote["id"]))["errors"] == []
    stock = (await desk.run(desk.maker, STOCK, {"id": product_id}))["product"]
    assert stock == {"unitsAvailable": 0, "unitsReserved": 30, "domesticReserve": 60}
    refused = await _refused(api, desk.partner, request_vars(pomich.id, quantity=1))
    assert [(f, c) for f, c, _ in refused] == [("quantity", "INSUFFICIENT_UNITS")]
