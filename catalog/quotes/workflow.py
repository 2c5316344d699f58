"""What happens to a quote after it was requested: the partner withdraws and answers the
officers' questions. Offers and their acceptance are in `catalog/quotes/offers.py`. Each step
is checked against the transition table before anything changes."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from catalog.access import require_requesting_partner, visible_quotes
from catalog.core.db import Database
from catalog.core.enums import CaseStatus
from catalog.core.errors import DomainError, not_found
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, collect
from catalog.licensing.sla import resume_due_date
from catalog.licensing.transitions import (
    CaseAction,
    QuoteAction,
    next_case_status,
    next_quote_status,
)
from catalog.models import LicensingCase, QuoteRequest
from catalog.models.base import utcnow


async def quote_for_update(
    tx: WriteTransaction, principal: Principal, quote_id: uuid.UUID
) -> QuoteRequest:
    quote = await tx.session.scalar(
        select(QuoteRequest)
        .where(col(QuoteRequest.id) == quote_id, visible_quotes(principal))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if quote is None:
        raise not_found("quote request", "quoteRequestId")
    return quote


async def case_of(tx: WriteTransaction, quote_id: uuid.UUID) -> LicensingCase:
    case = await tx.session.scalar(
        select(LicensingCase)
        .where(col(LicensingCase.quote_request_id) == quote_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert case is not None  # created in the same transaction as its quote
    return case


def move(
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
        quote = await quote_for_update(tx, principal, quote_id)
        next_quote_status(quote.status, QuoteAction.WITHDRAW)  # refuse before touching the case
        case = await case_of(tx, quote.id)
        if case.status in (CaseStatus.OPEN, CaseStatus.INFO_REQUESTED, CaseStatus.ON_HOLD):
            case.status = next_case_status(case.status, CaseAction.CLOSE)
            case.sla_paused_since = None
            case.held_from = None
            case.updated_at = utcnow()
            tx.audit("licensing_case.closed", "LicensingCase", case.id, {"why": "withdrawn"})
            tx.emit("licensing_case.changed", "LicensingCase", case.id)
        move(tx, quote, QuoteAction.WITHDRAW, {"reason": reason})
    return quote


async def answer_info_request(
    db: Database, principal: Principal, quote_id: uuid.UUID, answer: str
) -> QuoteRequest:
    require_requesting_partner(principal)
    problems = collect(check_length("answer", answer.strip(), 1, 10_000))
    if problems:
        raise DomainError(problems)
    async with write(db, principal) as tx:
        quote = await quote_for_update(tx, principal, quote_id)
        next_quote_status(quote.status, QuoteAction.ANSWER_INFO)
        case = await case_of(tx, quote.id)
        case.status = next_case_status(case.status, CaseAction.RESUME)
        now = utcnow()
        if case.status is CaseStatus.ON_HOLD:
            # Held while waiting for this answer: review resumes once the hold is lifted, and
            # the clock stays stopped until then.
            case.held_from = CaseStatus.OPEN
        else:
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
        move(tx, quote, QuoteAction.ANSWER_INFO, {"answer": quote.info_response})
    return quote
