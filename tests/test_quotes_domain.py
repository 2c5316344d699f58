"""Quote requests and licensing cases through the domain functions, on SQLite and PostgreSQL."""

import asyncio
from dataclasses import replace
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from sqlalchemy import delete, select

from catalog.core.db import Database
from catalog.core.enums import CaseDecisionKind, CaseStatus, QuoteStatus, TechTransfer
from catalog.core.errors import Codes, DomainError
from catalog.licensing import cases as licensing_cases
from catalog.licensing import facts as routing_facts
from catalog.licensing import rules as routing_rules
from catalog.licensing.sla import resume_due_date
from catalog.models import (
    AuditEvent,
    CoProductionRequest,
    LicensingCase,
    OutboxEvent,
    ProductionLine,
    QuoteRequest,
    RuleSetVersion,
)
from catalog.models.base import utcnow
from catalog.quotes import listing as quote_listing
from catalog.quotes import offers as quote_offers
from catalog.quotes import requests as quotes
from catalog.quotes import workflow as quote_workflow
from tests.quote_helpers import (
    counts,
    hidden_product_for,
    manufacturer_slug,
    principal_of,
    product_for,
    quote_input,
)


async def _case(db: Database, quote_id: Any) -> LicensingCase:
    async with db.read() as session:
        case = await session.scalar(
            select(LicensingCase).where(LicensingCase.quote_request_id == quote_id)
        )
    assert case is not None
    return case


async def test_request_creates_quote_case_audit_and_outbox_together(seeded: Database) -> None:
    db = seeded
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl)
    before = await counts(db)
    quote = await quotes.request_quote(db, pl, quote_input(product))
    assert quote.status is QuoteStatus.LICENSING_REVIEW
    case = await _case(db, quote.id)
    assert case.status is CaseStatus.OPEN
    assert case.queue == "FAST_TRACK"  # ground drone to Poland: EU/NATO fast track wins tier 3
    assert case.rule_set_version == 1
    assert case.sla_due_on is not None and case.sla_due_on > quote.created_at.date()
    explanation = case.routing["explanation"]
    assert len(explanation) == 4 + 11  # four hard gates and every demo rule
    assert any(e["failed_condition"] == "quantity 2 below 50" for e in explanation)
    after = await counts(db)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)
    async with db.read() as session:
        actions = set(
            await session.scalars(
                select(AuditEvent.action).where(
                    AuditEvent.entity_id.in_([str(quote.id), str(case.id)])  # type: ignore[attr-defined]
                )
            )
        )
        topics = set(await session.scalars(select(OutboxEvent.topic).where(OutboxEvent.id > 0)))
    assert {"quote.requested", "licensing_case.routed"} <= actions
    assert {"quote.changed", "licensing_case.changed"} <= topics


async def test_hidden_product_is_not_found_like_a_missing_one(seeded: Database) -> None:
    db = seeded
    pl = await principal_of(db, "demo-partner-PL")
    hidden = await hidden_product_for(db, pl)
    errors = []
    for product_id in (hidden.id, quotes.uuid.uuid4()):
        with pytest.raises(DomainError) as raised:
            await quotes.request_quote(db, pl, quote_input(hidden, product_id=product_id))
        errors.append(raised.value.problems)
    assert errors[0] == errors[1]
    assert errors[0][0].code == Codes.NOT_FOUND


async def test_input_is_checked_and_nothing_is_written(seeded: Database) -> None:
    db = seeded
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl)
    before = await counts(db)
    bad: list[tuple[dict[str, Any], str]] = [
        ({"quantity": 0}, "quantity"),
        ({"quantity": product.units_available + 1}, "quantity"),
        ({"end_user": "  "}, "endUser"),
        ({"end_use": ""}, "endUse"),
        ({"delivery_country": "XX"}, "deliveryCountry"),
        ({"delivery_country": "Poland"}, "deliveryCountry"),
    ]
    for changes, field in bad:
        with pytest.raises(DomainError) as raised:
            await quotes.request_quote(db, pl, quote_input(product, **changes))
        assert field in {p.field for p in raised.value.problems}, changes
    pending = await principal_of(db, "demo-partner-RO")
    with pytest.raises(DomainError) as raised:
        await quotes.request_quote(db, pending, quote_input(product))
    assert raised.value.code == Codes.FORBIDDEN
    assert await counts(db) == before


async def test_same_idempotency_key_returns_the_first_quote(seeded: Database) -> None:
    db = seeded
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl)
    given = quote_input(product, idempotency_key="retry-1")
    first = await quotes.request_quote(db, pl, given)
    again = await quotes.request_quote(db, pl, given)
    assert again.id == first.id
    # a retry compares the whole normalised request: same texts up to spaces, same country
    # up to case, is the same request
    spaced = quote_input(
        product,
        idempotency_key=" retry-1 ",
        end_use=f"  {given.end_use} ",
        delivery_country="pl",
        notes=f"{given.notes}  ",
    )
    assert (await quotes.request_quote(db, pl, spaced)).id == first.id
    for change in (
        {"quantity": 3},
        {"end_use": "Something else entirely."},
        {"end_user": "Another brigade"},
        {"delivery_country": "DE"},
        {"co_production": True},
        {"required_by": date(2031, 1, 1)},
        {"notes": None},
    ):
        with pytest.raises(DomainError) as raised:
            await quotes.request_quote(
                db, pl, quote_input(product, idempotency_key="retry-1", **change)
            )
        assert raised.value.code == Codes.CONFLICT, change
        assert raised.value.problems[0].field == "idempotencyKey"
    # another organisation may use the same key for its own request
    de = await principal_of(db, "demo-partner-DE")
    other = await quotes.request_quote(
        db, de, quote_input(await product_for(db, de), idempotency_key="retry-1")
    )
    assert other.id != first.id


async def test_concurrent_retries_make_one_quote_and_one_case(seeded: Database) -> None:
    db = seeded
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl)
    given = quote_input(product, idempotency_key="burst")
    before = await counts(db)
    results = await asyncio.gather(*(quotes.request_quote(db, pl, given) for _ in range(10)))
    assert len({q.id for q in results}) == 1
    after = await counts(db)
    assert (after[0] - before[0], after[1] - before[1]) == (1, 1)


async def test_case_failure_leaves_no_quote(
    seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = seeded
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl)

    async def broken(*_: Any) -> None:
        raise RuntimeError("case creation failed")

    monkeypatch.setattr(quotes, "open_case", broken)
    before = await counts(db)
    with pytest.raises(RuntimeError):
        await quotes.request_quote(db, pl, quote_input(product))
    assert await counts(db) == before


async def test_embargoed_destination_is_refused_with_reason(seeded: Database) -> None:
    db = seeded
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl)
    quote = await quotes.request_quote(db, pl, quote_input(product, delivery_country="RU"))
    assert quote.status is QuoteStatus.REFUSED
    assert quote.refusal_reason == "delivery country RU is under an arms embargo"
    case = await _case(db, quote.id)
    assert case.status is CaseStatus.REFUSED
    assert {"EMBARGOED", "RE_EXPORT"} <= set(case.flags)
    with pytest.raises(DomainError) as raised:
        await quote_workflow.answer_info_request(db, pl, quote.id, "more")
    assert raised.value.code == Codes.INVALID_TRANSITION


async def test_tech_transfer_needs_two_different_officers(seeded: Database) -> None:
    db = seeded
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl, tech_transfer=TechTransfer.MAINTENANCE)
    quote = await quotes.request_quote(db, pl, quote_input(product))
    case = await _case(db, quote.id)
    assert "TECH_TRANSFER" in case.flags and case.approvals_required >= 2
    first = await principal_of(db, "demo-licensing", "officer-a")
    second = await principal_of(db, "demo-licensing", "officer-b")
    approve = CaseDecisionKind.APPROVE
    case = await licensing_cases.decide_case(db, first, case.id, approve, "end user verified")
    assert case.status is CaseStatus.OPEN
    with pytest.raises(DomainError) as raised:
        await licensing_cases.decide_case(db, first, case.id, approve, "again")
    assert raised.value.code == licensing_cases.FOUR_EYES
    for officer in (second, await principal_of(db, "demo-licensing", "officer-c")):
        if case.status is CaseStatus.OPEN:
            case = await licensing_cases.decide_case(db, officer, case.id, approve, "agreed")
    assert case.status is CaseStatus.APPROVED
    async with db.read() as session:
        stored = await session.get(QuoteRequest, quote.id)
    assert stored is not None and stored.status is QuoteStatus.LICENSED


async def test_info_request_pauses_the_clock_and_the_answer_extends_it(seeded: Database) -> None:
    db = seeded
    pl = await principal_of(db, "demo-partner-PL")
    officer = await principal_of(db, "demo-licensing", "officer-a")
    quote = await quotes.request_quote(db, pl, quote_input(await product_for(db, pl)))
    case = await _case(db, quote.id)
    due = case.sla_due_on
    case = await licensing_cases.decide_case(
        db, officer, case.id, CaseDecisionKind.REQUEST_INFO, "Name the unit's home base."
    )
    assert case.status is CaseStatus.INFO_REQUESTED and case.sla_paused_since is not None
    # pretend the question was asked nine days ago
    paused_since = utcnow() - timedelta(days=9)
    async with db.write_session() as session, session.begin():
        stored = await session.get(LicensingCase, case.id)
        assert stored is not None
        stored.sla_paused_since = paused_since
    answered = await quote_workflow.answer_info_request(db, pl, quote.id, "Rzeszów garrison.")
    assert answered.status is QuoteStatus.LICENSING_REVIEW
    assert answered.info_request == "Name the unit's home base."
    assert answered.info_response == "Rzeszów garrison."
    case = await _case(db, quote.id)
    assert case.status is CaseStatus.OPEN and case.sla_paused_since is None
    assert due is not None
    expected = resume_due_date(due, paused_since.date(), utcnow().date())
    assert case.sla_due_on == expected and expected > due


async def test_rule_changes_make_versions_and_cases_keep_theirs(seeded: Database) -> None:
    db = seeded
    pl = await principal_of(db, "demo-partner-PL")
    officer = await principal_of(db, "demo-licensing", "officer-a")
    product = await product_for(db, pl)
    old = await quotes.request_quote(db, pl, quote_input(product))
    draft = routing_rules.RuleDraft(
        name="Poland desk",
        tier=0,
        conditions={"destination_countries": ["PL"]},
        queue="POLAND_DESK",
        flags=["PL"],
        sla_working_days=3,
        approvals_required=1,
    )
    rule, version = await routing_rules.create_rule(db, officer, draft)
    assert version == 2
    new = await quotes.request_quote(db, pl, quote_input(product))
    assert (await _case(db, new.id)).queue == "POLAND_DESK"
    assert (await _case(db, new.id)).rule_set_version == 2
    assert (await _case(db, old.id)).rule_set_version == 1
    _, version = await routing_rules.update_rule(
        db, officer, rule.id, routing_rules.RuleDraft(queue="PL_DESK", given={"queue"})
    )
    assert version == 3
    _, version = await routing_rules.disable_rule(db, officer, rule.id)
    assert version == 4
    async with db.read() as session:
        snapshots = {v.version: v.rules for v in await session.scalars(select(RuleSetVersion))}
    assert [r["queue"] for r in snapshots[3] if r["id"] == str(rule.id)] == ["PL_DESK"]
    assert all(r["id"] != str(rule.id) for r in snapshots[4])
    with pytest.raises(DomainError) as raised:
        await routing_rules.disable_rule(db, officer, rule.id)
    assert raised.value.code == Codes.INVALID_TRANSITION
    with pytest.raises(DomainError) as raised:
        bad = routing_rules.RuleDraft(
            name="x", tier=1, conditions={"colour": ["red"]}, queue="Q", sla_working_days=1
        )
        await routing_rules.create_rule(db, officer, bad)
    assert raised.value.problems[0].field == "conditions"
    with pytest.raises(DomainError):
        await routing_rules.create_rule(db, pl, draft)


async def test_simulation_writes_nothing(seeded: Database) -> None:
    db = seeded
    officer = await principal_of(db, "demo-licensing", "officer-a")
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl)
    before = await counts(db)
    given = routing_facts.SimulationInput(
        quantity=60, partner_country="PL", delivery_country="GB", product_id=product.id
    )
    async with db.read() as session:
        decision = await routing_facts.simulate_routing(session, officer, given, utcnow().date())
    assert decision.queue == "SENIOR_REVIEW" and not decision.refused
    assert {"HIGH_VALUE", "RE_EXPORT", "END_USE_CHECK"} <= set(decision.flags)
    assert await counts(db) == before


async def test_who_sees_which_quote(seeded: Database) -> None:
    db = seeded
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl)
    quote = await quotes.request_quote(db, pl, quote_input(product))
    async with db.read() as session:
        maker_org = await session.get(quotes.Organisation, product.manufacturer_id)
    assert maker_org is not None
    other_maker = (
        "demo-manufacturer-8" if maker_org.slug != "demo-manufacturer-8" else "demo-manufacturer-1"
    )
    expected = {
        "demo-partner-PL": True,
        "demo-partner-DE": False,
        maker_org.slug: True,
        other_maker: False,
        "demo-licensing": True,
        "demo-curator": False,
    }
    seen = {}
    for slug in expected:
        principal = await principal_of(db, slug)
        async with db.read() as session:
            seen[slug] = quote.id in await quote_listing.quotes_by_ids(
                session, principal, [quote.id]
            )
    assert seen == expected


async def test_first_quote_without_a_rule_set_version_makes_one(seeded: Database) -> None:
    db = seeded
    async with db.write_session() as session, session.begin():
        # The demo's co-production requests were routed on a version: a database that never
        # had one has none of them either.
        await session.execute(delete(ProductionLine))
        await session.execute(delete(CoProductionRequest))
        await session.execute(delete(RuleSetVersion))
    pl = await principal_of(db, "demo-partner-PL")
    quote = await quotes.request_quote(db, pl, quote_input(await product_for(db, pl)))
    case = await _case(db, quote.id)
    assert case.rule_set_version == 1 and case.queue == "FAST_TRACK"
    async with db.read() as session:
        version = await session.get(RuleSetVersion, 1)
    assert version is not None and len(version.rules) == 11


async def _settled(call: Any) -> str:
    """ "ok" or the DomainError code of an awaited domain call."""
    try:
        await call
    except DomainError as error:
        return error.code
    return "ok"


async def test_concurrent_officers_and_partner_queue_up(seeded: Database) -> None:
    db = seeded
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl, tech_transfer=TechTransfer.MAINTENANCE)
    a = await principal_of(db, "demo-licensing", "officer-a")
    b = await principal_of(db, "demo-licensing", "officer-b")
    approve = CaseDecisionKind.APPROVE

    # the same officer twice at once: one approval counts, the other is refused
    quote = await quotes.request_quote(db, pl, quote_input(product))
    case = await _case(db, quote.id)
    assert case.approvals_required == 2
    twice = [licensing_cases.decide_case(db, a, case.id, approve, "ok") for _ in range(2)]
    assert sorted(await asyncio.gather(*(_settled(c) for c in twice))) == [
        licensing_cases.FOUR_EYES,
        "ok",
    ]
    # two officers at once: both count and the case is approved
    quote = await quotes.request_quote(db, pl, quote_input(product))
    case = await _case(db, quote.id)
    pair = [licensing_cases.decide_case(db, o, case.id, approve, "ok") for o in (a, b)]
    assert await asyncio.gather(*(_settled(c) for c in pair)) == ["ok", "ok"]
    assert (await _case(db, quote.id)).status is CaseStatus.APPROVED

    # a refusal and a withdrawal at once: exactly one wins, no deadlock
    quote = await quotes.request_quote(db, pl, quote_input(product))
    case = await _case(db, quote.id)
    race = [
        licensing_cases.decide_case(db, a, case.id, CaseDecisionKind.REFUSE, "no"),
        quote_workflow.withdraw_quote(db, pl, quote.id, "changed our mind"),
    ]
    outcomes = await asyncio.gather(*(_settled(c) for c in race))
    assert sorted(outcomes) == ["INVALID_TRANSITION", "ok"]
    async with db.read() as session:
        stored = await session.get(QuoteRequest, quote.id)
    assert stored is not None
    assert stored.status is (QuoteStatus.REFUSED if outcomes[0] == "ok" else QuoteStatus.WITHDRAWN)


async def test_offers_only_by_the_maker_and_not_after_expiry(seeded: Database) -> None:
    db = seeded
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl)
    officer = await principal_of(db, "demo-licensing", "officer-a")
    quote = await quotes.request_quote(db, pl, quote_input(product))
    case = await _case(db, quote.id)
    await licensing_cases.decide_case(db, officer, case.id, CaseDecisionKind.APPROVE, "fine")
    maker = await principal_of(db, await manufacturer_slug(db, product))
    other_slug = (
        "demo-manufacturer-1" if maker.org_slug != "demo-manufacturer-1" else "demo-manufacturer-2"
    )
    other = await principal_of(db, other_slug)
    offer = quote_offers.OfferInput(
        unit_price=Decimal("1000.00"),
        currency="EUR",
        lead_time_days=30,
        valid_until=utcnow().date() + timedelta(days=10),
    )
    with pytest.raises(DomainError) as raised:
        await quote_offers.respond_to_quote(db, other, quote.id, offer)
    assert raised.value.code == Codes.NOT_FOUND
    with pytest.raises(DomainError) as raised:
        await quote_offers.respond_to_quote(db, maker, quote.id, replace(offer, currency="euro"))
    assert raised.value.problems[0].field == "currency"
    offered = await quote_offers.respond_to_quote(db, maker, quote.id, offer)
    assert offered.status is QuoteStatus.OFFERED
    async with db.write_session() as session, session.begin():
        stored = await session.get(QuoteRequest, quote.id)
        assert stored is not None
        stored.offer_valid_until = utcnow().date() - timedelta(days=1)
    with pytest.raises(DomainError) as raised:
        await quote_offers.settle_offer(db, pl, quote.id, accept=True)
    assert raised.value.code == Codes.INVALID_TRANSITION
    declined = await quote_offers.settle_offer(db, pl, quote.id, accept=False)
    assert declined.status is QuoteStatus.DECLINED
