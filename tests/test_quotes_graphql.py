"""Quote → licensing → offer journey over GraphQL with real tokens, on SQLite and PostgreSQL."""

import uuid
from typing import Any

import httpx

import schema
from catalog.core.db import Database
from catalog.core.enums import TechTransfer
from tests.graphql import error_codes, gql
from tests.quote_graphql import (
    ACCEPT,
    ANSWER,
    ASSIGN,
    CASES,
    DECIDE,
    DECLINE,
    QUOTE,
    REQUEST,
    RESPOND,
    ROUTING,
    STEP,
    offer_vars,
    request_vars,
    requested,
)
from tests.quote_helpers import counts, manufacturer_slug, principal_of, product_for


async def _decide(
    api: httpx.AsyncClient,
    token: str,
    case_id: str,
    decision: str,
    reason: str = "checked",
    note: str | None = None,
) -> dict[str, Any]:
    variables = {
        "input": {"caseId": case_id, "decision": decision, "reason": reason, "internalNote": note}
    }
    return (await gql(api, token, DECIDE, variables))["data"]["decideCase"]


async def test_whole_journey_with_four_eyes(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    partner = await token_for("demo-partner-PL")
    officer_a = await token_for("demo-licensing")
    officer_b = await token_for("demo-licensing")
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl, tech_transfer=TechTransfer.MAINTENANCE)
    async with db.read() as session:
        maker_slug = (
            await session.get(
                __import__("catalog.models", fromlist=["Organisation"]).Organisation,
                product.manufacturer_id,
            )
        ).slug  # type: ignore[union-attr]
    maker = await token_for(maker_slug)

    quote = await requested(api, partner, request_vars(product.id))
    assert quote["status"] == "LICENSING_REVIEW"
    case = quote["licensingCase"]
    assert case["status"] == "OPEN" and case["approvalsRequired"] >= 2 and case["slaDueAt"]
    assert case["overdue"] is False and case["slaPaused"] is False
    quote_id, case_id = quote["id"], case["id"]

    # the partner follows the quote but not the officers' working data
    for outsider in (partner, maker):
        hidden = await gql(api, outsider, ROUTING, {"id": quote_id}, expect_errors=True)
        assert "FORBIDDEN" in error_codes(hidden)
        assert hidden["data"]["quoteRequest"]["licensingCase"] is None
    seen = (await gql(api, officer_a, ROUTING, {"id": quote_id}))["data"]["quoteRequest"]
    routing = seen["licensingCase"]["routing"]
    assert routing["ruleSetVersion"] == 1 and "TECH_TRANSFER" in seen["licensingCase"]["flags"]
    assert [e["ruleName"] for e in routing["explanation"][:4]] == [
        "Hard gate: embargoed partner or delivery country",
        "Hard gate: partner or delivery country off the partner-country list",
        "Hard gate: delivery outside the partner's country",
        "Hard gate: technology transfer or co-production",
    ]
    assert all(e["matched"] or e["failedCondition"] for e in routing["explanation"])
    queue = (await gql(api, officer_a, CASES, {"queue": case["queue"]}))["data"]["licensingCases"]
    assert case_id in {e["node"]["id"] for e in queue["edges"]}
    assigned = (await gql(api, officer_a, ASSIGN, {"input": {"caseId": case_id}}))["data"]
    assert assigned["assignCase"]["licensingCase"]["assignedTo"]

    # information requested: the clock pauses until the partner answers
    asked = await _decide(
        api,
        officer_a,
        case_id,
        "REQUEST_INFO",
        "Which unit will operate it?",
        note="cross-check with the MoD list",
    )
    assert asked["licensingCase"]["status"] == "INFO_REQUESTED"
    now = (await gql(api, partner, QUOTE, {"id": quote_id}))["data"]["quoteRequest"]
    assert now["status"] == "INFO_REQUESTED" and now["licensingCase"]["slaPaused"]
    assert now["infoRequest"] == "Which unit will operate it?"
    answered = (await gql(api, partner, ANSWER, {"id": quote_id, "answer": "The 21st."}))["data"]
    assert answered["answerInfoRequest"]["quoteRequest"]["status"] == "LICENSING_REVIEW"

    # four-eyes: the same officer cannot approve twice
    first = await _decide(api, officer_a, case_id, "APPROVE", "end user verified")
    assert first["errors"] == [] and first["licensingCase"]["status"] == "OPEN"
    again = await _decide(api, officer_a, case_id, "APPROVE", "still fine")
    assert [e["code"] for e in again["errors"]] == ["FOUR_EYES"]
    final = None
    for _ in range(case["approvalsRequired"] - 1):
        final = await _decide(api, officer_b, case_id, "APPROVE", "agreed")
        officer_b = await token_for("demo-licensing")
    assert final is not None and final["licensingCase"]["status"] == "APPROVED"

    # the manufacturer sees the licensed quote without the partner's notes, and offers
    as_maker = (await gql(api, maker, QUOTE, {"id": quote_id}))["data"]["quoteRequest"]
    assert as_maker["status"] == "LICENSED" and as_maker["notes"] is None
    offered = (await gql(api, maker, RESPOND, {"input": offer_vars(quote_id)}))["data"]
    assert offered["respondToQuote"]["quoteRequest"] == {
        "status": "OFFERED",
        "offer": {"currency": "EUR"},
    }
    accepted = (await gql(api, partner, ACCEPT, {"id": quote_id}))["data"]["acceptOffer"]
    assert accepted["quoteRequest"]["status"] == "ACCEPTED"
    final_view = (await gql(api, partner, QUOTE, {"id": quote_id}))["data"]["quoteRequest"]
    assert final_view["notes"] == "internal: programme 4B"
    assert final_view["offer"]["unitPrice"] == "15000.00"
    decisions = (await gql(api, officer_a, ROUTING, {"id": quote_id}))["data"]["quoteRequest"]
    notes = [d["internalNote"] for d in decisions["licensingCase"]["decisions"]]
    assert "cross-check with the MoD list" in notes

    # nothing moves after acceptance
    for mutation, name in ((STEP, "withdraw"), (DECLINE, "declineOffer"), (ACCEPT, "acceptOffer")):
        body = (await gql(api, partner, mutation, {"id": quote_id}))["data"][name]
        assert [e["code"] for e in body["errors"]] == ["INVALID_TRANSITION"]


async def test_invalid_transitions_change_nothing(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    partner = await token_for("demo-partner-PL")
    officer = await token_for("demo-licensing")
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl)
    maker = await token_for(await manufacturer_slug(db, product))
    quote = await requested(api, partner, request_vars(product.id))
    quote_id, case_id = quote["id"], quote["licensingCase"]["id"]

    def codes(payload: dict[str, Any]) -> list[str]:
        return [e["code"] for e in payload["errors"]]

    before = await counts(db)
    # under review: no answer without a question, no offer, nothing to accept or decline
    answer = (await gql(api, partner, ANSWER, {"id": quote_id, "answer": "x"}))["data"]
    assert codes(answer["answerInfoRequest"]) == ["INVALID_TRANSITION"]
    offer = (await gql(api, maker, RESPOND, {"input": offer_vars(quote_id)}))["data"][
        "respondToQuote"
    ]
    assert codes(offer) == ["INVALID_TRANSITION"]
    for mutation, name in ((ACCEPT, "acceptOffer"), (DECLINE, "declineOffer")):
        body = (await gql(api, partner, mutation, {"id": quote_id}))["data"][name]
        assert codes(body) == ["INVALID_TRANSITION"]
    assert await counts(db) == before
    status = (await gql(api, partner, QUOTE, {"id": quote_id}))["data"]["quoteRequest"]["status"]
    assert status == "LICENSING_REVIEW"

    # refused: the partner sees why; nothing more can happen to it
    refused = await _decide(
        api, officer, case_id, "REFUSE", "End user is not credible.", note="matches a watch list"
    )
    assert refused["licensingCase"]["status"] == "REFUSED"
    view = (await gql(api, partner, QUOTE, {"id": quote_id}))["data"]["quoteRequest"]
    assert view["status"] == "REFUSED" and view["refusalReason"] == "End user is not credible."
    assert "matches a watch list" not in str(view)
    before = await counts(db)
    for decision in ("APPROVE", "REFUSE", "REQUEST_INFO"):
        assert codes(await _decide(api, officer, case_id, decision)) == ["INVALID_TRANSITION"]
    withdraw = (await gql(api, partner, STEP, {"id": quote_id}))["data"]["withdraw"]
    assert codes(withdraw) == ["INVALID_TRANSITION"]
    assign = (await gql(api, officer, ASSIGN, {"input": {"caseId": case_id}}))["data"]["assignCase"]
    assert codes(assign) == ["INVALID_TRANSITION"]
    assert await counts(db) == before

    # withdrawn: the case closes and officers can no longer decide it
    other = await requested(api, partner, request_vars(product.id))
    withdrawn = (await gql(api, partner, STEP, {"id": other["id"]}))["data"]["withdraw"]
    assert withdrawn["quoteRequest"]["status"] == "WITHDRAWN"
    late = await _decide(api, officer, other["licensingCase"]["id"], "APPROVE")
    assert codes(late) == ["INVALID_TRANSITION"]
    closed = (await gql(api, partner, QUOTE, {"id": other["id"]}))["data"]["quoteRequest"]
    assert closed["licensingCase"]["status"] == "CLOSED"


async def test_request_errors_and_who_sees_quotes(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    partner = await token_for("demo-partner-PL")
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl)
    bad = await gql(
        api, partner, REQUEST, {"input": request_vars(product.id, quantity=0, deliveryCountry="ZZ")}
    )
    payload = bad["data"]["requestQuote"]
    assert payload["quoteRequest"] is None
    assert {(e["field"], e["code"]) for e in payload["errors"]} == {
        ("quantity", "INVALID"),
        ("deliveryCountry", "UNKNOWN_COUNTRY"),
    }
    missing = await gql(api, partner, REQUEST, {"input": request_vars(uuid.uuid4())})
    assert [e["code"] for e in missing["data"]["requestQuote"]["errors"]] == ["NOT_FOUND"]

    same_key = request_vars(product.id, idempotencyKey="k-1")
    first = await requested(api, partner, same_key)
    assert (await requested(api, partner, same_key))["id"] == first["id"]

    listed = "{ quoteRequests(first: 10) { totalCount edges { node { id } } } }"
    mine = (await gql(api, partner, listed))["data"]["quoteRequests"]
    assert mine["totalCount"] == 1 and mine["edges"][0]["node"]["id"] == first["id"]
    de = await token_for("demo-partner-DE")
    assert (await gql(api, de, listed))["data"]["quoteRequests"]["totalCount"] == 0
    assert (await gql(api, de, QUOTE, {"id": first["id"]}))["data"]["quoteRequest"] is None
    node = "query($id: ID!) { node(id: $id) { id ... on QuoteRequest { status } } }"
    assert (await gql(api, de, node, {"id": first["id"]}))["data"]["node"] is None
    assert (await gql(api, partner, node, {"id": first["id"]}))["data"]["node"]["status"]
    curator = await token_for("demo-curator")
    refused = await gql(api, curator, listed, expect_errors=True)
    assert error_codes(refused) == ["FORBIDDEN"]
    officer = await token_for("demo-licensing", scopes=["quotes:read"])
    forbidden = await gql(
        api,
        officer,
        DECIDE,
        {"input": {"caseId": first["licensingCase"]["id"], "decision": "APPROVE", "reason": "x"}},
        expect_errors=True,
    )
    assert error_codes(forbidden) == ["FORBIDDEN"]


RULE_FIELDS = """routingRule { id queue active conditions { destinationCountries minValueEur } }
  ruleSetVersion errors { field code message }"""


async def test_routing_rules_and_simulation(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    officer = await token_for("demo-licensing")
    create = f"""mutation($input: CreateRoutingRuleInput!) {{
      createRoutingRule(input: $input) {{ {RULE_FIELDS} }} }}"""
    rule = {
        "name": "Canada desk",
        "tier": 0,
        "queue": "CANADA_DESK",
        "slaWorkingDays": 7,
        "flags": ["NORTH_AMERICA"],
        "conditions": {"destinationCountries": ["CA"], "minValueEur": "1000"},
    }
    created = (await gql(api, officer, create, {"input": rule}))["data"]["createRoutingRule"]
    assert created["errors"] == [] and created["ruleSetVersion"] == 2
    assert created["routingRule"]["conditions"] == {
        "destinationCountries": ["CA"],
        "minValueEur": "1000",
    }
    rule_id = created["routingRule"]["id"]
    invalid = {**rule, "conditions": {"destinationCountries": ["Canada"]}}
    refused = (await gql(api, officer, create, {"input": invalid}))["data"]["createRoutingRule"]
    assert [e["field"] for e in refused["errors"]] == ["conditions"]

    simulate = """query($input: SimulateRoutingInput!) { simulateRouting(input: $input) {
      queue queueReason flags ruleSetVersion approvalsRequired slaWorkingDays refused
      explanation { ruleId ruleName matched failedCondition } } }"""
    facts = {
        "quantity": 5,
        "partnerCountry": "US",
        "deliveryCountry": "CA",
        "category": "SOFTWARE",
        "controlEntry": "ML21.b",
        "techTransfer": "NONE",
        "unitPriceEur": "40000",
    }
    before = await counts(db)
    decision = (await gql(api, officer, simulate, {"input": facts}))["data"]["simulateRouting"]
    # the desk matches (tier 0), but the demo precedence puts SENIOR_REVIEW (re-export) first
    assert decision["queue"] == "SENIOR_REVIEW" and decision["ruleSetVersion"] == 2
    assert decision["queueReason"].startswith("SENIOR_REVIEW has precedence over CANADA_DESK")
    assert decision["slaWorkingDays"] == 15 and decision["refused"] is False
    assert {"NORTH_AMERICA", "RE_EXPORT"} <= set(decision["flags"])
    assert any(e["ruleId"] == rule_id and e["matched"] for e in decision["explanation"])
    assert await counts(db) == before

    precedence = """mutation($queues: [String!]!) { setQueuePrecedence(input: {queues: $queues}) {
      queuePrecedence ruleSetVersion errors { field code } } }"""
    queues = ["CANADA_DESK", "TECH_TRANSFER_REVIEW", "SENIOR_REVIEW"]
    done = (await gql(api, officer, precedence, {"queues": queues}))["data"]["setQueuePrecedence"]
    assert done == {"queuePrecedence": queues, "ruleSetVersion": 3, "errors": []}
    twice = {"queues": ["A", "A"]}
    bad = (await gql(api, officer, precedence, twice))["data"]["setQueuePrecedence"]
    assert bad["errors"] == [{"field": "queues", "code": "INVALID"}]
    listed = await gql(api, officer, "{ queuePrecedence }")
    assert listed["data"]["queuePrecedence"] == queues
    decision = (await gql(api, officer, simulate, {"input": facts}))["data"]["simulateRouting"]
    assert decision["queue"] == "CANADA_DESK" and decision["ruleSetVersion"] == 3
    assert decision["slaWorkingDays"] == 7  # the desk's own SLA
    reason = "CANADA_DESK has precedence over FAST_TRACK, SENIOR_REVIEW and SOFTWARE_REVIEW"
    assert decision["queueReason"] == reason

    update = f"""mutation($input: UpdateRoutingRuleInput!) {{
      updateRoutingRule(input: $input) {{ {RULE_FIELDS} }} }}"""
    updated = await gql(api, officer, update, {"input": {"ruleId": rule_id, "queue": "ASIA_DESK"}})
    assert updated["data"]["updateRoutingRule"]["routingRule"]["queue"] == "ASIA_DESK"
    disable = f"""mutation($id: ID!) {{
      disableRoutingRule(input: {{ruleId: $id}}) {{ {RULE_FIELDS} }} }}"""
    disabled = (await gql(api, officer, disable, {"id": rule_id}))["data"]["disableRoutingRule"]
    assert disabled["routingRule"]["active"] is False and disabled["ruleSetVersion"] == 5
    node = "query($id: ID!) { node(id: $id) { ... on RoutingRule { queue active } } }"
    assert (await gql(api, officer, node, {"id": rule_id}))["data"]["node"] == {
        "queue": "ASIA_DESK",
        "active": False,
    }
    enable = """mutation($id: ID!) { updateRoutingRule(input: {ruleId: $id, active: true}) {
      routingRule { active } ruleSetVersion errors { code } } }"""
    enabled = (await gql(api, officer, enable, {"id": rule_id}))["data"]["updateRoutingRule"]
    assert enabled == {"routingRule": {"active": True}, "ruleSetVersion": 6, "errors": []}
    again = (await gql(api, officer, disable, {"id": rule_id}))["data"]["disableRoutingRule"]
    assert again["ruleSetVersion"] == 7
    rules = (await gql(api, officer, "{ routingRules { id } }"))["data"]["routingRules"]
    assert rule_id not in {r["id"] for r in rules} and len(rules) == 11
    after = (await gql(api, officer, simulate, {"input": facts}))["data"]["simulateRouting"]
    # without the desk the demo re-export rule takes it; rule changes keep the precedence
    assert after["queue"] == "SENIOR_REVIEW" and after["ruleSetVersion"] == 7
    assert (await gql(api, officer, "{ queuePrecedence }"))["data"]["queuePrecedence"] == queues

    partner = await token_for("demo-partner-PL")
    denied = await gql(api, partner, "{ routingRules { id } }", expect_errors=True)
    assert error_codes(denied) == ["FORBIDDEN"]
    denied = await gql(api, partner, precedence, {"queues": queues}, expect_errors=True)
    assert error_codes(denied) == ["FORBIDDEN"]


def test_quote_and_licensing_contract_names_are_in_the_schema() -> None:
    sdl = schema.schema.as_str()
    for name in (
        "type QuoteRequest implements Node",
        "type LicensingCase implements Node",
        "type RoutingRule implements Node",
        "input RequestQuoteInput",
        "type QuoteRequestPayload",
        "type RoutingDecision",
        "type RuleEvaluation",
        "input DecideCaseInput",
        "quoteRequests(filter: QuoteRequestFilter",
        "quoteRequest(id: ID!)",
        "licensingCases(queue: String",
        "routingRules",
        "simulateRouting(input: SimulateRoutingInput!)",
        "queuePrecedence: [String!]!",
        "partnerCountries: [Country!]!",
    ):
        assert name in sdl, name
    for mutation in (
        "requestQuote",
        "withdrawQuote",
        "answerInfoRequest",
        "respondToQuote",
        "acceptOffer",
        "declineOffer",
        "decideCase",
        "assignCase",
        "createRoutingRule",
        "updateRoutingRule",
        "disableRoutingRule",
        "setQueuePrecedence",
        "addPartnerCountry",
        "removePartnerCountry",
        "embargoCountry",
        "liftEmbargo",
    ):
        assert f"  {mutation}(input: " in sdl, mutation
