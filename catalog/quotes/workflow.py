"""What happens to a quote after it was requested: the partner withdraws, answers the
officers' questions, accepts or declines; the manufacturer offers once a licence is granted.
Each step is checked against the transition table before anything changes."""

import re
import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from catalog.access import (
    require_offering_manufacturer,
    require_requesting_partner,
    visible_quotes,
)
from catalog.core.db import Database
from catalog.core.enums import CaseStatus
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, check_range, collect
from catalog.licensing.sla import resume_due_date
from catalog.licensing.transitions import (
    CaseAction,
    QuoteAction,
    next_case_status,
    next_quote_status,
)
from catalog.models import LicensingCase, QuoteRequest
from catalog.models.base import utcnow

CURRENCY_PATTERN = re.compile(r"[A-Z]{3}")


async def _quote_for_update(
    tx: WriteTransaction, principal: Principal, quote_id: uuid.UUID
) -> QuoteRequest:
    quote = await tx.session.scalar(
        select(QuoteRequest)
        .where(QuoteRequest.id == quote_id, visible_quotes(principal))
        .with_for_update()
    )
    if quote is None:
        raise not_found("quote request", "quoteRequestId")
    return quote


async def case_of(tx: WriteTransaction, quote_id: uuid.UUID) -> LicensingCase:
    case = await tx.session.scalar(
        select(LicensingCase).where(LicensingCase.quote_request_id == quote_id).with_for_update()
    )
    assert case is not None  # created in the same transaction as its quote
    return case


def _move(
    tx: WriteTransaction, quote: QuoteRequest, action: QuoteAction, data: dict[str, Any]
) -> None:
    previous = quote.status
    quote.status = next_quote_status(previous, action)
    quote.updated_at = utcnow()
    tx.audit(
        f"quote.{action.lower()}",
        "QuoteRequest",
        quote.id,
        {"from": previous, "to": quote.status, **data},
    )
    tx.emit("quote.changed", "QuoteRequest", quote.id)


async def withdraw_quote(
    db: Database, principal: Principal, quote_id: uuid.UUID, reason: str | None
) -> QuoteRequest:
    require_requesting_partner(principal)
    problems = collect(check_length("reason", reason, 0, 2000))
    if problems:
        raise DomainError(problems)
    async with write(db, principal) as tx:
        quote = await _quote_for_update(tx, principal, quote_id)
        next_quote_status(quote.status, QuoteAction.WITHDRAW)  # refuse before touching the case
        case = await case_of(tx, quote.id)
        if case.status in (CaseStatus.OPEN, CaseStatus.INFO_REQUESTED):
            case.status = next_case_status(case.status, CaseAction.CLOSE)
            case.sla_paused_since = None
            case.updated_at = utcnow()
            tx.audit("licensing_case.closed", "LicensingCase", case.id, {"why": "withdrawn"})
            tx.emit("licensing_case.changed", "LicensingCase", case.id)
        _move(tx, quote, QuoteAction.WITHDRAW, {"reason": reason})
    return quote


async def answer_info_request(
    db: Database, principal: Principal, quote_id: uuid.UUID, answer: str
) -> QuoteRequest:
    require_requesting_partner(principal)
    problems = collect(check_length("answer", answer.strip(), 1, 10_000))
    if problems:
        raise DomainError(problems)
    async with write(db, principal) as tx:
        quote = await _quote_for_update(tx, principal, quote_id)
        next_quote_status(quote.status, QuoteAction.ANSWER_INFO)
        case = await case_of(tx, quote.id)
        case.status = next_case_status(case.status, CaseAction.RESUME)
        now = utcnow()
        if case.sla_paused_since is not None and case.sla_due_on is not None:
            case.sla_due_on = resume_due_date(
                case.sla_due_on, case.sla_paused_since.date(), now.date()
            )
        case.sla_paused_since = None
        case.updated_at = now
        tx.audit(
            "licensing_case.resumed", "LicensingCase", case.id, {"sla_due_on": case.sla_due_on}
        )
        tx.emit("licensing_case.changed", "LicensingCase", case.id)
        quote.info_response = answer.strip()
        _move(tx, quote, QuoteAction.ANSWER_INFO, {"answer": quote.info_response})
    return quote


@dataclass
class OfferInput:
    unit_price: Decimal
    currency: str
    lead_time_days: int
    valid_until: date


async def respond_to_quote(
    db: Database, principal: Principal, quote_id: uuid.UUID, offer: OfferInput
) -> QuoteRequest:
    require_offering_manufacturer(principal)
    currency = offer.currency.strip().upper()
    problems = collect(
        check_range("unitPrice", offer.unit_price, 0, 1_000_000_000),
        check_range("leadTimeDays", offer.lead_time_days, 0, 3650),
    )
    if not CURRENCY_PATTERN.fullmatch(currency):
        problems.append(Problem("currency must be an ISO 4217 code", Codes.INVALID, "currency"))
    if offer.valid_until < utcnow().date():
        problems.append(Problem("validUntil is in the past", Codes.INVALID, "validUntil"))
    if problems:
        raise DomainError(problems)
    async with write(db, principal) as tx:
        quote = await _quote_for_update(tx, principal, quote_id)
        next_quote_status(quote.status, QuoteAction.RESPOND)  # refuse before touching the offer
        quote.offer_unit_price = offer.unit_price
        quote.offer_currency = currency
        quote.offer_lead_time_days = offer.lead_time_days
        quote.offer_valid_until = offer.valid_until
        _move(
            tx,
            quote,
            QuoteAction.RESPOND,
            {"unit_price": offer.unit_price, "currency": currency},
        )
    return quote


async def settle_offer(
    db: Database, principal: Principal, quote_id: uuid.UUID, accept: bool
) -> QuoteRequest:
    """The partner accepts or declines the manufacturer's offer."""
    require_requesting_partner(principal)
    async with write(db, principal) as tx:
        quote = await _quote_for_update(tx, principal, quote_id)
        action = QuoteAction.ACCEPT if accept else QuoteAction.DECLINE
        next_quote_status(quote.status, action)
        expired = quote.offer_valid_until is not None and quote.offer_valid_until < utcnow().date()
        if accept and expired:
            raise DomainError.one(
                f"the offer expired on {quote.offer_valid_until}", Codes.INVALID_TRANSITION
            )
        _move(tx, quote, action, {})
    return quote
