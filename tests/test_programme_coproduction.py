"""Build with Ukraine over GraphQL (SQLite and PostgreSQL): a co-production request is its own
case routed into TECH_TRANSFER_REVIEW with the explanation, SLA and four-eyes; sensitive
technology is refused by a hard gate with the reason recorded; the final approval licenses a
production line."""

import uuid
from datetime import date
from typing import Any

import httpx

from catalog.core.db import Database
from catalog.licensing.sla import add_working_days
from catalog.models.base import utcnow
from schema.relay import to_global_id
from tests.integrity_support import Desk, TokenFor, product_named

FIELDS = """id status queue slaDueAt approvalsRequired approvalsGiven refusalReason flags
  overdue product { name } routing { queue explanation { ruleName matched failedCondition } }"""
REQUEST = f"""mutation($input: RequestCoProductionInput!) {{ requestCoProduction(input: $input)
  {{ coProductionRequest {{ {FIELDS} }} errors {{ field code message }} }} }}"""
DECIDE = """mutation($input: DecideCoProductionInput!) { decideCoProduction(input: $input) {
  coProductionRequest { status approvalsGiven } errors { field code message } } }"""
REQUESTS = "{ coProductionRequests { id status } }"
OFFICER_LIST = f"{{ coProductionRequests {{ {FIELDS} }} }}"
LINES = "{ productionLines { country localPartnerName since product { name } } }"
MARK = """mutation($input: MarkProductSensitiveInput!) { markProductSensitive(input: $input) {
  product { sensitive sensitiveParts } errors { code } } }"""
GATE = "Hard gate: sensitive technology is never produced abroad"


def _vars(product_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    return {
        "input": {
            "productId": to_global_id("Product", product_id),
            "productionCountry": "DE",
            "localPartnerName": "Brandenburg Robotics GmbH",
            "plannedUnitsPerYear": 120,
            "technologyScope": ["Airframe", "drive"],
            "idempotencyKey": uuid.uuid4().hex,
            **changes,
        }
    }


async def _request(desk: Desk, token: str, variables: dict[str, Any]) -> dict[str, Any]:
    payload = (await desk.run(token, REQUEST, variables))["requestCoProduction"]
    assert payload["errors"] == [], payload
    return payload["coProductionRequest"]  # type: ignore[no-any-return]


async def _decide(desk: Desk, token: str, request_id: str, decision: str) -> dict[str, Any]:
    variables = {"input": {"coProductionRequestId": request_id, "decision": decision,
                           "reason": "Technology scope reviewed"}}  # fmt: skip
    return (await desk.run(token, DECIDE, variables))["decideCoProduction"]  # type: ignore[no-any-return]


async def test_a_co_production_request_reaches_tech_transfer_review_and_licenses_a_line(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await Desk.open(api, token_for, "demo-partner-DE", "demo-manufacturer-1")
    kremin = await product_named(db, "Kremin")
    variables = _vars(kremin.id)
    request = await _request(desk, desk.partner, variables)
    assert (request["status"], request["queue"]) == ("TECH_TRANSFER_REVIEW", "TECH_TRANSFER_REVIEW")
    assert request["routing"] is None and request["flags"] is None  # officers only
    assert request["approvalsRequired"] == 2 and request["refusalReason"] is None
    assert date.fromisoformat(request["slaDueAt"]) == add_working_days(utcnow().date(), 20)
    again = await _request(desk, desk.partner, variables)  # the same key: the same request
    assert again["id"] == request["id"]

    seen = {
        r["id"]: r for r in (await desk.run(desk.officer, OFFICER_LIST))["coProductionRequests"]
    }
    routed = seen[request["id"]]
    assert "TECH_TRANSFER" in routed["flags"] and "CO_PRODUCTION" in routed["flags"]
    gate = [e for e in routed["routing"]["explanation"] if e["ruleName"] == GATE]
    assert gate == [{"ruleName": GATE, "matched": False,
                     "failedCondition": "no sensitive technology involved"}]  # fmt: skip
    assert any(e["matched"] and e["ruleName"] == "Co-production requested"
               for e in routed["routing"]["explanation"])  # fmt: skip

    first = await _decide(desk, desk.officer, request["id"], "APPROVE")
    assert first == {"coProductionRequest": {"status": "TECH_TRANSFER_REVIEW", "approvalsGiven": 1},
                     "errors": []}  # fmt: skip
    twice = await _decide(desk, desk.officer, request["id"], "APPROVE")
    assert [e["code"] for e in twice["errors"]] == ["FOUR_EYES"]
    colleague = await token_for("demo-licensing")
    final = await _decide(desk, colleague, request["id"], "APPROVE")
    assert final["coProductionRequest"] == {"status": "LICENSED", "approvalsGiven": 2}
    lines = (await desk.run(desk.curator, LINES))["productionLines"]
    assert {(line["country"], line["product"]["name"]) for line in lines} >= {("DE", "Kremin")}
    assert {line["country"] for line in lines} == {"DE", "GB"}  # the demo's lines and this one
    other = await token_for("demo-partner-PL")  # sees its own (the demo's), not this one
    theirs = (await desk.run(other, REQUESTS))["coProductionRequests"]
    assert theirs and request["id"] not in {r["id"] for r in theirs}


async def test_sensitive_technology_is_refused_by_the_hard_gate(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await Desk.open(api, token_for, "demo-partner-GB", "demo-manufacturer-2")
    ostroh = await product_named(db, "Ostroh-12 Combat Ground Drone")  # sensitive (demo)
    refused = await _request(desk, desk.partner, _vars(ostroh.id, productionCountry="GB"))
    assert refused["status"] == "REFUSED"
    assert refused["refusalReason"] == (
        "sensitive technology is never licensed abroad: "
        "Ostroh-12 Combat Ground Drone is marked sensitive technology"
    )
    khvylia = await product_named(db, "Khvylia-5 Naval Strike Drone")  # guidance is sensitive
    part = await _request(
        desk,
        desk.partner,
        _vars(khvylia.id, productionCountry="GB", technologyScope=["hull", "Guidance"]),
    )
    assert part["status"] == "REFUSED" and "guidance of Khvylia-5" in part["refusalReason"]
    hull = await _request(
        desk, desk.partner, _vars(khvylia.id, productionCountry="GB", technologyScope=["hull"])
    )
    assert hull["status"] == "TECH_TRANSFER_REVIEW"
    recorded = {
        r["id"]: r for r in (await desk.run(desk.officer, OFFICER_LIST))["coProductionRequests"]
    }
    assert "SENSITIVE_TECHNOLOGY" in recorded[refused["id"]]["flags"]
    gate = [e for e in recorded[refused["id"]]["routing"]["explanation"] if e["ruleName"] == GATE]
    assert gate == [{"ruleName": GATE, "matched": True, "failedCondition": None}]
    refusal = await _decide(desk, desk.officer, refused["id"], "APPROVE")
    assert [e["code"] for e in refusal["errors"]] == ["INVALID_TRANSITION"]

    # Marked sensitive after the request: the gate holds at approval too.
    mark = {"productId": to_global_id("Product", khvylia.id), "sensitive": True, "reason": "Navy"}
    marked = (await desk.run(desk.officer, MARK, {"input": mark}))["markProductSensitive"]
    assert marked == {"product": {"sensitive": True, "sensitiveParts": []}, "errors": []}
    blocked = await _decide(desk, desk.officer, hull["id"], "APPROVE")
    assert [e["code"] for e in blocked["errors"]] == ["NOT_ALLOWED"]
