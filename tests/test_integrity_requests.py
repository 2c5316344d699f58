"""Queue precedence and the small holes, over GraphQL (SQLite and PostgreSQL): a technology
transfer with co-production is reviewed as one, cases go only to officers, and an idempotency
key stands for the whole request."""

from datetime import date
from uuid import uuid4

import httpx

from catalog.core.db import Database
from catalog.core.ids import to_global_id
from catalog.licensing.sla import add_working_days
from catalog.models.base import utcnow
from tests.graphql import gql
from tests.integrity_support import Desk, TokenFor, codes, product_named
from tests.quote_graphql import REQUEST, request_vars
from tests.quote_helpers import counts

ASSIGN = """mutation($input: AssignCaseInput!) { assignCase(input: $input) {
  licensingCase { assignedTo } errors { field code message } } }"""
ME = "{ me { subject officer { id name } } }"


async def test_tech_transfer_with_co_production_is_reviewed_as_technology_transfer(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    """It matched the 20-day TECH_TRANSFER_REVIEW rule but was queued in SENIOR_REVIEW with the
    5-day EU/NATO fast-track deadline."""
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-2")
    tropa = await product_named(db, "Tropa Heavy Logistics Ground Drone")  # licensed production
    quote = await desk.request(tropa.id, quantity=2, coProduction=True, deliveryCountry="DE")
    case = await desk.case(quote["licensingCase"]["id"])
    assert case["queue"] == "TECH_TRANSFER_REVIEW"
    assert case["routing"]["slaWorkingDays"] == 20 and case["approvalsRequired"] == 2
    assert case["routing"]["queueReason"].startswith(
        "TECH_TRANSFER_REVIEW has precedence over FAST_TRACK"
    )
    assert {"TECH_TRANSFER", "CO_PRODUCTION", "RE_EXPORT"} <= set(case["flags"])
    due = date.fromisoformat(case["slaDueAt"])
    assert due == add_working_days(utcnow().date(), 20)  # the queue's own 20 working days


async def test_cases_are_assigned_to_licensing_officers_only(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    """`assignCase` took an officer that does not exist."""
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    kremin = await product_named(db, "Kremin")
    quote = await desk.request(kremin.id)
    case_id = quote["licensingCase"]["id"]
    colleague = await token_for("demo-licensing")
    colleague_officer = (await gql(api, colleague, ME))["data"]["me"]["officer"]
    curator = await token_for("demo-curator")
    curator_officer = (await gql(api, curator, ME))["data"]["me"]["officer"]["id"]
    partner_org = (await gql(api, desk.partner, ME))["data"]["me"]["officer"]
    assert partner_org is None  # a partner's client acts for its organisation, not a person

    before = await counts(db)
    for nobody in ("officer-who-does-not-exist", to_global_id("Officer", uuid4()), curator_officer):
        variables = {"input": {"caseId": case_id, "officerId": nobody}}
        refused = (await desk.run(desk.officer, ASSIGN, variables))["assignCase"]
        assert [(e["field"], e["code"]) for e in refused["errors"]] == [("officerId", "NOT_FOUND")]
    assert await counts(db) == before
    variables = {"input": {"caseId": case_id, "officerId": colleague_officer["id"]}}
    assigned = (await desk.run(desk.officer, ASSIGN, variables))["assignCase"]
    assert assigned == {"licensingCase": {"assignedTo": colleague_officer["name"]}, "errors": []}
    mine = (await desk.run(desk.officer, ASSIGN, {"input": {"caseId": case_id}}))["assignCase"]
    assert mine["errors"] == [] and mine["licensingCase"]["assignedTo"]
    assert mine["licensingCase"]["assignedTo"] != colleague_officer["name"]


async def test_the_same_idempotency_key_for_another_request_is_a_conflict(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    """The same key with a different `endUse` silently returned the first quote."""
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    kremin = await product_named(db, "Kremin")
    first_vars = request_vars(kremin.id, idempotencyKey="order-77")
    first = await desk.request(kremin.id, idempotencyKey="order-77")
    before = await counts(db)
    for change in (
        {"endUse": "A different end use."},
        {"endUser": "Another unit"},
        {"notes": "other notes"},
        {"coProduction": True},
        {"requiredBy": "2031-01-01"},
    ):
        variables = {"input": {**first_vars, **change}}
        payload = (await gql(api, desk.partner, REQUEST, variables))["data"]["requestQuote"]
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [
            ("idempotencyKey", "CONFLICT")
        ], change
        assert payload["quoteRequest"] is None
    assert await counts(db) == before
    again = (await gql(api, desk.partner, REQUEST, {"input": first_vars}))["data"]["requestQuote"]
    assert again["errors"] == [] and again["quoteRequest"]["id"] == first["id"]
    assert codes(again) == []
