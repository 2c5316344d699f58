"""The licensed value of a quote and the manufacturer's offers over GraphQL (SQLite and
PostgreSQL): a quote keeps the price it was routed on, an offer the licence does not cover goes
back to review instead of reaching the partner, and every revision is kept."""

import uuid
from decimal import Decimal

import httpx

from catalog.core.db import Database
from schema.relay import to_global_id
from tests.document_support import attach_euc
from tests.integrity_support import UPDATE_PRODUCT, Desk, TokenFor, codes, product_named
from tests.quote_helpers import counts


async def _set_price(desk: Desk, product_id: uuid.UUID, price: str) -> None:
    variables = {"input": {"productId": to_global_id("Product", product_id), "unitPriceEur": price}}
    changed = (await desk.run(desk.maker, UPDATE_PRODUCT, variables))["updateProduct"]
    assert changed["errors"] == []


async def test_an_offer_above_the_licensed_value_goes_back_to_review(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    """Licensed on EUR 1.02M (fast track, one approval), then an offer of 12 x EUR 1,000,000:
    it used to reach the partner unreviewed. Now it is routed again on its own value."""
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    kremin = await product_named(db, "Kremin")
    await _set_price(desk, kremin.id, "85000")
    quote = await desk.request(kremin.id, quantity=12)
    case_id = quote["licensingCase"]["id"]
    assert quote["licensingCase"]["queue"] == "FAST_TRACK"
    assert (await desk.approve(case_id))["licensingCase"]["status"] == "APPROVED"
    licensed = await desk.quote(quote["id"])
    assert (licensed["licensedValue"], licensed["licensedCurrency"]) == ("1020000.00", "EUR")

    sent = await desk.offer(quote["id"], "1000000")
    assert sent["errors"] == [] and sent["quoteRequest"]["status"] == "LICENSING_REVIEW"
    assert sent["quoteRequest"]["offer"] == {
        "revision": 1,
        "total": "12000000.00",
        "pendingReview": True,
    }
    case = await desk.case(case_id)
    assert case["status"] == "OPEN" and "OFFER_ABOVE_LICENSED_VALUE" in case["flags"]
    assert case["reviewRound"] == 2 and case["approvalsRequired"] == 2
    assert case["queue"] == case["routing"]["queue"] == "SENIOR_REVIEW"
    assert [(r["queue"], r["valueEur"]) for r in case["routingHistory"]] == [
        ("FAST_TRACK", "1020000.00"),
        ("SENIOR_REVIEW", "12000000.00"),
    ]
    # the partner sees no offer until licensing approves it
    partner_view = await desk.quote(quote["id"])
    assert partner_view["status"] == "LICENSING_REVIEW"
    assert partner_view["offer"] is None and partner_view["offers"] == []
    assert codes(await desk.accept(quote["id"])) == ["INVALID_TRANSITION"]

    # senior review requires the end-user certificate the fast track did not: the partner
    # attaches it before any approval can count
    assert "DOCUMENT_MISSING" in case["flags"]
    await attach_euc(api, desk.partner, quote["id"])
    assert "DOCUMENT_MISSING" not in (await desk.case(case_id))["flags"]

    # the first approval of the new review does not finish it: approvals count afresh
    first = await desk.decide(case_id, "APPROVE", await token_for("demo-licensing"))
    assert first["licensingCase"]["status"] == "OPEN"
    final = await desk.decide(case_id, "APPROVE", await token_for("demo-licensing"))
    assert final["licensingCase"]["status"] == "APPROVED"
    offered = await desk.quote(quote["id"])
    assert offered["status"] == "OFFERED" and offered["offer"]["total"] == "12000000.00"
    assert offered["offer"]["pendingReview"] is False
    assert offered["licensedValue"] == "12000000.00"

    # a revision within the licence reaches the partner at once; every revision is kept
    revised = await desk.offer(quote["id"], "900000")
    assert revised["quoteRequest"]["status"] == "OFFERED"
    history = (await desk.quote(quote["id"]))["offers"]
    assert [(o["revision"], o["total"], o["pendingReview"]) for o in history] == [
        (1, "12000000.00", False),
        (2, "10800000.00", False),
    ]
    assert (await desk.accept(quote["id"]))["quoteRequest"]["status"] == "ACCEPTED"
    assert codes(await desk.offer(quote["id"], "1")) == ["INVALID_TRANSITION"]


async def test_price_edits_do_not_change_the_quotes_already_routed(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    kremin = await product_named(db, "Kremin")
    await _set_price(desk, kremin.id, "85000")
    quote = await desk.request(kremin.id, quantity=12)
    case_id = quote["licensingCase"]["id"]
    before = await desk.case(case_id)

    await _set_price(desk, kremin.id, "1000000")
    after = await desk.case(case_id)
    assert after == before and after["routing"]["valueEur"] == "1020000.00"
    view = await desk.quote(quote["id"], desk.officer)
    assert view["licensedValue"] == "1020000.00"
    await desk.approve(case_id)
    # the licence covers the price it was routed on, not the new one
    assert (await desk.offer(quote["id"], "90000"))["quoteRequest"]["status"] == "LICENSING_REVIEW"
    # a new quote is routed on the new price
    new = await desk.request(kremin.id, quantity=12)
    assert (await desk.case(new["licensingCase"]["id"]))["routing"]["valueEur"] == "12000000.00"


async def test_an_offer_in_another_currency_is_reviewed_before_the_partner_sees_it(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    kremin = await product_named(db, "Kremin")
    quote = await desk.request(kremin.id, quantity=3)
    case_id = quote["licensingCase"]["id"]
    await desk.approve(case_id)

    sent = await desk.offer(quote["id"], "45000", currency="usd")
    assert sent["quoteRequest"]["status"] == "LICENSING_REVIEW"
    case = await desk.case(case_id)
    assert "OFFER_CURRENCY_REVIEW" in case["flags"]
    assert case["routing"]["valueEur"] is None  # no rate: routed as of unknown value
    assert case["routing"]["queue"] == "SENIOR_REVIEW"  # unknown value meets the 5M threshold
    await desk.approve(case_id)
    view = await desk.quote(quote["id"])
    assert (view["status"], view["licensedCurrency"]) == ("OFFERED", "USD")
    assert Decimal(view["licensedValue"]) == Decimal("135000")
    assert (await desk.offer(quote["id"], "44000", "USD"))["quoteRequest"]["status"] == "OFFERED"


async def test_an_unknown_currency_is_refused(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    """`respondToQuote` took currency "XYZ"; now it is BAD_USER_INPUT and nothing is written."""
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    kremin = await product_named(db, "Kremin")
    quote = await desk.request(kremin.id, quantity=3)
    await desk.approve(quote["licensingCase"]["id"])
    before = await counts(db)
    for currency in ("XYZ", "XXX", "EURO", "€"):
        refused = await desk.offer(quote["id"], "40000", currency)
        assert [(e["field"], e["code"]) for e in refused["errors"]] == [
            ("currency", "BAD_USER_INPUT")
        ], currency
    assert await counts(db) == before
    assert (await desk.offer(quote["id"], "40000", " pln "))["quoteRequest"]["status"] == (
        "LICENSING_REVIEW"  # a currency the licence is not in
    )
