"""Export-control invariants across the life of a quote, over GraphQL with real tokens (SQLite
and PostgreSQL): what used to slip through once a quote was requested, and the answer now.

- a release revoked while a quote is in review holds its case; approving, offering and
  accepting answer NOT_ALLOWED; releasing again resumes it where it was, the clock paused;
- the same for a suspended product and a suspended partner;
- a withdrawn product closes its open quotes; an accepted one is never touched;
- an expired release is refused at every step, and the worker's sweep holds the case.
"""

import uuid
from datetime import date, timedelta

import httpx
import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import OperationalError

from api import worker
from catalog.core.db import Database
from catalog.licensing import holds
from catalog.licensing.sla import resume_due_date
from catalog.models import AuditEvent, LicensingCase, OutboxEvent, Release
from catalog.models.base import utcnow
from schema.relay import parse_global_id
from tests.integrity_support import (
    PUBLISH,
    RELEASE_AGAIN,
    REVOKE,
    SUSPEND_PRODUCT,
    VET,
    VETTING,
    WITHDRAW_PRODUCT,
    Desk,
    TokenFor,
    codes,
    product_named,
)
from tests.quote_helpers import counts

PUBLIC_REVOKED = "The product is no longer released to your country."


async def _us_desk(api: httpx.AsyncClient, token_for: TokenFor) -> Desk:
    return await Desk.open(api, token_for, "demo-partner-US", "demo-manufacturer-1")


async def _events(db: Database, entity_id: str) -> list[str]:
    async with db.read() as session:
        rows = await session.scalars(
            select(AuditEvent.action).where(AuditEvent.entity_id == entity_id)
        )
    return list(rows)


async def _backdate_pause(db: Database, case_gid: str, days: int) -> None:
    case_id = _uuid(case_gid)
    async with db.write_session() as session, session.begin():
        await session.execute(
            update(LicensingCase)
            .where(LicensingCase.id == case_id)
            .values(sla_paused_since=utcnow() - timedelta(days=days))
        )


async def test_a_revoked_release_holds_the_case_until_released_again(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await _us_desk(api, token_for)
    kremin = await product_named(db, "Kremin")
    quote = await desk.request(kremin.id, deliveryCountry="US")
    case_id = quote["licensingCase"]["id"]
    due = quote["licensingCase"]["slaDueAt"]

    await desk.product_mutation(desk.curator, REVOKE, kremin.id, countries=["US"])
    case = await desk.case(case_id)
    assert case["status"] == "ON_HOLD" and case["heldFrom"] == "OPEN"
    assert case["holdCauses"] == ["RELEASE_REVOKED"] and "RELEASE_REVOKED" in case["flags"]
    assert case["slaPaused"] is True
    seen = await desk.quote(quote["id"])
    assert seen["status"] == "LICENSING_REVIEW"  # the quote keeps its status
    assert seen["onHold"] is True and seen["holdReason"] == PUBLIC_REVOKED
    assert seen["licensingCase"]["status"] == "ON_HOLD"
    assert "licensing_case.held" in await _events(db, str(_uuid(case_id)))
    async with db.read() as session:
        topics = set(await session.scalars(select(OutboxEvent.topic).where(OutboxEvent.id > 0)))
    assert {"licensing_case.changed", "quote.changed"} <= topics

    # the officer's approval used to go through: now it is refused and nothing is written
    before = await counts(db)
    refused = await desk.decide(case_id, "APPROVE")
    assert codes(refused) == ["NOT_ALLOWED"] and "on hold" in refused["errors"][0]["message"]
    assert codes(await desk.decide(case_id, "REQUEST_INFO")) == ["NOT_ALLOWED"]
    assert await counts(db) == before

    # released again nine days later: back to OPEN, the due date moved by the days held
    await _backdate_pause(db, case_id, 9)
    paused_since = (utcnow() - timedelta(days=9)).date()
    await desk.product_mutation(desk.curator, RELEASE_AGAIN, kremin.id, countries=["US"])
    case = await desk.case(case_id)
    assert case["status"] == "OPEN" and case["heldFrom"] is None and case["holdCauses"] == []
    assert "RELEASE_REVOKED" not in case["flags"] and case["slaPaused"] is False
    expected = resume_due_date(_date(due), paused_since, utcnow().date())
    assert _date(case["slaDueAt"]) == expected > _date(due)
    assert (await desk.quote(quote["id"]))["onHold"] is False
    assert (await desk.approve(case_id))["licensingCase"]["status"] == "APPROVED"


async def test_a_licence_not_yet_used_is_held_and_nothing_reaches_acceptance(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    """Revoked after the licence and the offer: the partner cannot accept, the manufacturer
    cannot revise, until the product is released again."""
    desk = await _us_desk(api, token_for)
    kremin = await product_named(db, "Kremin")
    quote = await desk.offered(kremin.id, 3, "40000")
    case_id = quote["licensingCase"]["id"]

    await desk.product_mutation(desk.curator, REVOKE, kremin.id, countries=["US"])
    case = await desk.case(case_id)
    assert (case["status"], case["heldFrom"]) == ("ON_HOLD", "APPROVED")
    before = await counts(db)
    assert codes(await desk.accept(quote["id"])) == ["NOT_ALLOWED"]
    assert codes(await desk.offer(quote["id"], "39000")) == ["NOT_ALLOWED"]
    assert await counts(db) == before
    assert (await desk.quote(quote["id"]))["status"] == "OFFERED"

    await desk.product_mutation(desk.curator, RELEASE_AGAIN, kremin.id, countries=["US"])
    assert (await desk.case(case_id))["status"] == "APPROVED"
    accepted = await desk.accept(quote["id"])
    assert accepted["errors"] == [] and accepted["quoteRequest"]["status"] == "ACCEPTED"


async def test_a_suspended_product_holds_and_publishing_resumes(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await _us_desk(api, token_for)
    kremin = await product_named(db, "Kremin")
    in_review = await desk.request(kremin.id, deliveryCountry="US")
    offered = await desk.offered(kremin.id, 2, "40000")

    await desk.product_mutation(desk.curator, SUSPEND_PRODUCT, kremin.id)
    for quote, held_from in ((in_review, "OPEN"), (offered, "APPROVED")):
        case = await desk.case(quote["licensingCase"]["id"])
        assert (case["status"], case["heldFrom"]) == ("ON_HOLD", held_from)
        assert case["holdCauses"] == ["PRODUCT_SUSPENDED"]
    assert codes(await desk.decide(in_review["licensingCase"]["id"], "APPROVE")) == ["NOT_ALLOWED"]
    assert codes(await desk.accept(offered["id"])) == ["NOT_ALLOWED"]
    view = await desk.quote(offered["id"])
    assert view["onHold"] and view["holdReason"] == "The listing is suspended."
    # an officer may still refuse a held case
    refused = await desk.decide(in_review["licensingCase"]["id"], "REFUSE")
    assert refused["errors"] == [] and refused["licensingCase"]["status"] == "REFUSED"

    await desk.product_mutation(desk.curator, PUBLISH, kremin.id)
    assert (await desk.case(offered["licensingCase"]["id"]))["status"] == "APPROVED"
    assert (await desk.case(in_review["licensingCase"]["id"]))["status"] == "REFUSED"
    assert (await desk.accept(offered["id"]))["quoteRequest"]["status"] == "ACCEPTED"


async def test_a_suspended_partner_cannot_be_approved_until_vetted_again(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await _us_desk(api, token_for)
    kremin = await product_named(db, "Kremin")
    quote = await desk.request(kremin.id, deliveryCountry="US")
    case_id = quote["licensingCase"]["id"]
    partner_id = await desk.partner_id("demo-partner-US")

    suspended = (await desk.run(desk.curator, VETTING, {"id": partner_id}))["suspend"]
    assert suspended["errors"] == []
    case = await desk.case(case_id)
    assert case["status"] == "ON_HOLD" and case["holdCauses"] == ["PARTNER_SUSPENDED"]
    before = await counts(db)
    refused = await desk.decide(case_id, "APPROVE")
    assert codes(refused) == ["NOT_ALLOWED"]
    assert await counts(db) == before

    assert (await desk.run(desk.curator, VET, {"id": partner_id}))["vetPartner"]["errors"] == []
    assert (await desk.case(case_id))["status"] == "OPEN"
    assert (await desk.approve(case_id))["licensingCase"]["status"] == "APPROVED"


async def test_a_withdrawn_listing_closes_open_quotes_and_leaves_accepted_ones(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await _us_desk(api, token_for)
    kremin = await product_named(db, "Kremin")
    accepted = await desk.offered(kremin.id, 2, "40000")
    assert (await desk.accept(accepted["id"]))["quoteRequest"]["status"] == "ACCEPTED"
    licensed = await desk.request(kremin.id, deliveryCountry="US")
    await desk.approve(licensed["licensingCase"]["id"])
    in_review = await desk.request(kremin.id, deliveryCountry="US")

    await desk.product_mutation(desk.maker, WITHDRAW_PRODUCT, kremin.id)
    for quote in (licensed, in_review):
        view = await desk.quote(quote["id"])
        assert view["status"] == "CLOSED" and view["onHold"] is False
        assert view["closedReason"] == "The manufacturer withdrew the listing."
        case = await desk.case(quote["licensingCase"]["id"])
        assert case["status"] == "CLOSED" and "PRODUCT_WITHDRAWN" in case["flags"]
        quote_id = str(_uuid(quote["id"]))
        assert "quote.closed" in await _events(db, quote_id)
    kept = await desk.quote(accepted["id"])
    assert kept["status"] == "ACCEPTED" and kept["closedReason"] is None


async def test_an_expired_release_is_refused_at_once_and_held_by_the_sweep(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await _us_desk(api, token_for)
    kremin = await product_named(db, "Kremin")
    quote = await desk.request(kremin.id, deliveryCountry="US")
    offered = await desk.offered(kremin.id, 2, "40000")
    async with db.write_session() as session, session.begin():
        await session.execute(
            update(Release)
            .where(Release.product_id == kremin.id, Release.country == "US")
            .values(expires_at=utcnow() - timedelta(minutes=1))
        )

    # between sweeps: every step re-checks, nothing is written
    before = await counts(db)
    approve = await desk.decide(quote["licensingCase"]["id"], "APPROVE")
    assert codes(approve) == ["NOT_ALLOWED"] and "revoked or expired" in str(approve["errors"])
    assert codes(await desk.accept(offered["id"])) == ["NOT_ALLOWED"]
    assert await counts(db) == before

    assert await holds.sweep(db) == 2
    for held in (quote, offered):
        case = await desk.case(held["licensingCase"]["id"])
        assert case["status"] == "ON_HOLD" and case["holdCauses"] == ["RELEASE_REVOKED"]
    assert await holds.sweep(db) == 0  # nothing more to hold: nothing written
    async with db.read() as session:
        sweeps = await session.scalar(
            select(func.count()).where(AuditEvent.action == "licensing.expiry_sweep")
        )
    assert sweeps == 1


def _date(value: str) -> date:
    return date.fromisoformat(value)


def _uuid(global_id: str) -> uuid.UUID:
    parsed = parse_global_id(global_id)
    assert parsed is not None
    return parsed[1]


async def test_the_worker_sweeps_once_per_interval_and_retries_a_failed_sweep(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    now = [100.0]
    calls: list[float] = []
    failing = [True]

    async def sweep(_db: object) -> int:
        calls.append(now[0])
        if failing[0]:
            raise OperationalError("SELECT 1", {}, OSError("connection refused"))
        return 1

    monkeypatch.setattr(worker.holds, "sweep", sweep)
    step = worker.hold_sweep_step(None, 60.0, clock=lambda: now[0])  # type: ignore[arg-type]
    with pytest.raises(OperationalError):
        await step.run(lambda: False)
    now[0] += 1  # the worker's backoff: the failed sweep is tried again, not skipped
    failing[0] = False
    assert await step.run(lambda: False) == 1
    now[0] += 30
    assert await step.run(lambda: False) == 0  # within the interval: nothing
    now[0] += 31
    assert await step.run(lambda: False) == 1
    assert calls == [100.0, 101.0, 162.0]
