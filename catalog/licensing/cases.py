"""Licensing officers' work on cases: list the queues, assign, decide.

Four-eyes: a case that needs N approvals is approved by the N-th approval from a distinct
officer (the token subject). Approvals given before an information request do not count
afterwards: the answer may change the picture, so the approvals start again; so do they when
an offer above the licensed value sends the case back for review (a new review round).
A refusal's reason is shown to the partner; an approval's reason and every internal note are
for officers only.

Every approval, partial or final, re-checks the export-control invariants in its transaction
(catalog/quotes/invariants.py): a held case, or a quote whose product its partner can no longer
see, answers NOT_ALLOWED; a quantity beyond the surplus still available, INSUFFICIENT_UNITS.
The final approval of an offer review releases the pending offer to the partner and the
licence then covers that offer's total. A held case may still be refused, or assigned.
Cases are assigned to officers: OAuth clients of a licensing organisation that may review.
"""

import uuid
from typing import Any, cast

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import is_officer_client, require_officer, sees_cases
from catalog.core.db import Database
from catalog.core.enums import CaseDecisionKind, CaseStatus, QuoteStatus
from catalog.core.errors import Codes, DomainError, not_found
from catalog.core.pagination import Page, SortColumn, paginate
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, collect
from catalog.licensing.transitions import (
    CaseAction,
    QuoteAction,
    next_case_status,
    next_quote_status,
)
from catalog.models import (
    CaseDecision,
    LicensingCase,
    OAuthClient,
    Organisation,
    Product,
    QuoteOffer,
    QuoteRequest,
)
from catalog.models.base import utcnow
from catalog.quotes.invariants import require_exportable, require_units

FOUR_EYES = "FOUR_EYES"
CASE_ORDER = "case-oldest"
CASE_COLUMNS = [
    SortColumn(col(LicensingCase.created_at), False, "datetime"),
    SortColumn(col(LicensingCase.id), False, "uuid"),
]


# ---------------------------------------------------------------- reading


def _filtered(queue: str | None, status: CaseStatus | None) -> Select[Any]:
    statement = select(LicensingCase)
    if queue is not None:
        statement = statement.where(col(LicensingCase.queue) == queue)
    if status is not None:
        statement = statement.where(col(LicensingCase.status) == status)
    return statement


async def count_cases(
    session: AsyncSession, principal: Principal, queue: str | None, status: CaseStatus | None
) -> int:
    require_officer(principal)
    subquery = _filtered(queue, status).subquery()
    return int(await session.scalar(select(func.count()).select_from(subquery)) or 0)


async def list_cases(
    session: AsyncSession,
    principal: Principal,
    *,
    queue: str | None,
    status: CaseStatus | None,
    first: int,
    after: str | None,
) -> Page[LicensingCase]:
    """Oldest first, so a queue is worked in the order quotes arrived."""
    require_officer(principal)
    return await paginate(
        session,
        _filtered(queue, status),
        order=CASE_ORDER,
        columns=CASE_COLUMNS,
        first=first,
        after=after,
    )


async def get_case(
    session: AsyncSession, principal: Principal, case_id: uuid.UUID
) -> LicensingCase | None:
    if not sees_cases(principal):
        return None
    return await session.get(LicensingCase, case_id)


async def cases_for_quotes(
    session: AsyncSession, quote_ids: list[uuid.UUID]
) -> dict[uuid.UUID, LicensingCase]:
    """The cases of quotes the caller was already allowed to see."""
    rows = await session.scalars(
        select(LicensingCase).where(col(LicensingCase.quote_request_id).in_(quote_ids))
    )
    return {row.quote_request_id: row for row in rows}


async def decisions_for_cases(
    session: AsyncSession, case_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[CaseDecision]]:
    rows = await session.scalars(
        select(CaseDecision)
        .where(col(CaseDecision.case_id).in_(case_ids))
        .order_by(col(CaseDecision.created_at), col(CaseDecision.id))
    )
    grouped: dict[uuid.UUID, list[CaseDecision]] = {}
    for row in rows:
        grouped.setdefault(row.case_id, []).append(row)
    return grouped


# ---------------------------------------------------------------- writing


async def _case_and_quote(
    tx: WriteTransaction, case_id: uuid.UUID
) -> tuple[LicensingCase, QuoteRequest]:
    """Both rows, locked in the order every quote step uses (quote, then case), so an officer's
    decision and a partner's withdrawal at the same moment queue instead of deadlocking."""
    quote_id = await tx.session.scalar(
        select(col(LicensingCase.quote_request_id)).where(col(LicensingCase.id) == case_id)
    )
    if quote_id is None:
        raise not_found("licensing case", "caseId")
    quote = await tx.session.scalar(
        select(QuoteRequest)
        .where(col(QuoteRequest.id) == quote_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    case = await tx.session.scalar(
        select(LicensingCase)
        .where(col(LicensingCase.id) == case_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    assert quote is not None and case is not None  # foreign key; cases are never deleted
    return case, quote


async def _require_assignable(tx: WriteTransaction, principal: Principal, officer: str) -> None:
    """The assignee is the caller, or an active OAuth client of a licensing organisation that
    may review cases."""
    if officer == principal.subject:
        return
    found = (
        await tx.session.execute(
            select(OAuthClient, Organisation)
            .join(Organisation, col(Organisation.id) == col(OAuthClient.org_id))
            .where(col(OAuthClient.client_id) == officer)
        )
    ).first()
    if found is None or not is_officer_client(*found):
        raise DomainError.one(
            f"{officer!r} is not a licensing officer", Codes.NOT_FOUND, "assignee"
        )


async def assign_case(
    db: Database, principal: Principal, case_id: uuid.UUID, assignee: str | None
) -> LicensingCase:
    require_officer(principal)
    officer = (assignee or principal.subject).strip()
    problems = collect(check_length("assignee", officer, 1, 200))
    if problems:
        raise DomainError(problems)
    async with write(db, principal) as tx:
        case, _ = await _case_and_quote(tx, case_id)
        case.status = next_case_status(case.status, CaseAction.ASSIGN)
        await _require_assignable(tx, principal, officer)
        previous = case.assigned_to
        case.assigned_to = officer
        case.updated_at = utcnow()
        tx.audit(
            "licensing_case.assigned",
            "LicensingCase",
            case.id,
            {"from": previous, "to": officer},
        )
        tx.emit("licensing_case.changed", "LicensingCase", case.id)
    return case


async def _approvers_since_info_request(tx: WriteTransaction, case: LicensingCase) -> set[str]:
    """Officers whose approvals count: this review round, since the last information request."""
    rows = await tx.session.scalars(
        select(CaseDecision)
        .where(
            col(CaseDecision.case_id) == case.id,
            col(CaseDecision.review_round) == case.review_round,
        )
        .order_by(col(CaseDecision.created_at), col(CaseDecision.id))
    )
    approvers: set[str] = set()
    for row in rows:
        if row.decision is CaseDecisionKind.REQUEST_INFO:
            approvers.clear()
        elif row.decision is CaseDecisionKind.APPROVE:
            approvers.add(row.officer)
    return approvers


async def _actions(
    tx: WriteTransaction, principal: Principal, case: LicensingCase, decision: CaseDecisionKind
) -> tuple[CaseAction, QuoteAction | None, int]:
    """What the decision does to the case and the quote, and the approvals counted so far."""
    if decision is CaseDecisionKind.REFUSE:
        return CaseAction.REFUSE, QuoteAction.REFUSE, 0
    if decision is CaseDecisionKind.REQUEST_INFO:
        return CaseAction.REQUEST_INFO, QuoteAction.REQUEST_INFO, 0
    next_case_status(case.status, CaseAction.APPROVE)  # a closed case is not a four-eyes issue
    approvers = await _approvers_since_info_request(tx, case)
    if principal.subject in approvers:
        raise DomainError.one(
            "you already approved this case; another officer must give the next approval",
            FOUR_EYES,
            "caseId",
        )
    count = len(approvers) + 1
    if count >= case.approvals_required:
        return CaseAction.APPROVE, QuoteAction.APPROVE, count
    return CaseAction.APPROVE_PARTIAL, None, count


async def _check_decision(
    tx: WriteTransaction, case: LicensingCase, quote: QuoteRequest, decision: CaseDecisionKind
) -> None:
    """Held cases may be refused (or assigned), nothing else; every approval re-checks the
    invariants and the surplus."""
    if decision is CaseDecisionKind.APPROVE or case.status is CaseStatus.ON_HOLD:
        await require_exportable(tx.session, quote, case)  # NOT_ALLOWED while held
    if decision is CaseDecisionKind.APPROVE:
        require_units(await tx.session.get_one(Product, quote.product_id), quote.quantity)


async def _release_pending_offer(tx: WriteTransaction, quote: QuoteRequest) -> None:
    """The final approval of an offer review: the offer reaches the partner, and the licence
    now covers its total."""
    quote.status = next_quote_status(quote.status, QuoteAction.RESPOND)
    quote.offer_pending = False
    assert quote.offer_unit_price is not None
    quote.licensed_value = quote.offer_unit_price * quote.quantity
    quote.licensed_currency = quote.offer_currency
    offer = await tx.session.scalar(
        select(QuoteOffer).where(
            col(QuoteOffer.quote_request_id) == quote.id,
            col(QuoteOffer.revision) == quote.offer_revision,
        )
    )
    assert offer is not None  # every revision is recorded with the quote
    offer.released_at = utcnow()
    tx.audit(
        "quote.offer_released",
        "QuoteRequest",
        quote.id,
        {
            "revision": quote.offer_revision,
            "licensed_value": quote.licensed_value,
            "licensed_currency": quote.licensed_currency,
        },
    )


def _apply(
    case: LicensingCase,
    quote: QuoteRequest,
    decision: CaseDecisionKind,
    reason: str,
    quote_status: QuoteStatus | None,
) -> None:
    now = utcnow()
    case.updated_at = now
    if decision is CaseDecisionKind.REQUEST_INFO:
        case.sla_paused_since = now
        quote.info_request = reason
        quote.info_response = None
    elif case.status in (CaseStatus.APPROVED, CaseStatus.REFUSED):
        case.decided_at = now
        case.sla_paused_since = None
        case.held_from = None
    if decision is CaseDecisionKind.REFUSE:
        quote.refusal_reason = reason
    if quote_status is not None:
        quote.status = quote_status
        quote.updated_at = now


async def decide_case(
    db: Database,
    principal: Principal,
    case_id: uuid.UUID,
    decision: CaseDecisionKind,
    reason: str,
    internal_note: str | None = None,
) -> LicensingCase:
    require_officer(principal)
    reason = reason.strip()
    problems = collect(
        check_length("reason", reason, 1, 5000),
        check_length("internalNote", internal_note, 0, 5000),
    )
    if problems:
        raise DomainError(problems)
    async with write(db, principal) as tx:
        case, quote = await _case_and_quote(tx, case_id)
        if case.status is CaseStatus.ON_HOLD and decision is not CaseDecisionKind.REFUSE:
            await _check_decision(tx, case, quote, decision)
        case_action, quote_action, approvals = await _actions(tx, principal, case, decision)
        if decision is CaseDecisionKind.APPROVE:
            await _check_decision(tx, case, quote, decision)
        # Both tables are checked before either row changes.
        new_case_status = next_case_status(case.status, case_action)
        new_quote_status = next_quote_status(quote.status, quote_action) if quote_action else None
        previous: dict[str, Any] = {"case": case.status, "quote": quote.status}
        case.status = new_case_status
        _apply(case, quote, decision, reason, new_quote_status)
        if quote_action is QuoteAction.APPROVE and quote.offer_pending:
            await _release_pending_offer(tx, quote)
        tx.session.add(
            CaseDecision(
                case_id=case.id,
                officer=principal.subject,
                # require_officer admitted only a licensing organisation's principal
                officer_org_id=cast(uuid.UUID, principal.org_id),
                decision=decision,
                reason=reason,
                internal_note=internal_note,
                review_round=case.review_round,
            )
        )
        tx.audit(
            "licensing_case.decided",
            "LicensingCase",
            case.id,
            {
                "decision": decision,
                "reason": reason,
                "from": previous,
                "to": {"case": case.status, "quote": quote.status},
                "approvals": approvals,
                "approvals_required": case.approvals_required,
            },
        )
        tx.emit("licensing_case.changed", "LicensingCase", case.id)
        tx.emit("quote.changed", "QuoteRequest", quote.id)
    return case
