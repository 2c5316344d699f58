"""Holding and resuming licensing cases when export-control causes appear and disappear.

Every write that can create or lift a cause (releases, product status, partner vetting, the
partner-country list, embargoes) calls `reconcile` inside its own transaction with what it
touched. `reconcile` finds the open quotes concerned and compares each one's current causes
(`catalog/quotes/invariants.py`) with its case:
- causes appeared → the case goes ON_HOLD (from OPEN, INFO_REQUESTED or APPROVED), remembering
  the status it left, with the causes as flags;
- the causes changed while held → the recorded causes follow;
- no cause any more → the case returns to the status it left;
- the product was withdrawn → the quote is CLOSED and its case too.
Each change writes its audit event and outbox rows in the same transaction as the cause.

The SLA clock stops while a case is held: an OPEN case's pause starts when it is held and,
when it returns to OPEN, its due date moves by the working days held. A case held while
waiting for an answer keeps the pause that the information request started.

Releases also expire without a write: `sweep` (run periodically by `market worker`) holds
the cases of open quotes whose release to the partner's country is no longer live (or adds the
cause to a case already held for another). Every step
re-checks the causes anyway, so an expired release is never approved, offered or accepted.

Locks are taken in one order everywhere: country, organisation, product, quote, case (quotes
and cases in id order), so concurrent writers queue instead of deadlocking.
"""

import uuid
from collections.abc import Iterable

import sqlalchemy as sa
from sqlalchemy import ColumnElement, not_, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.core.db import Database
from catalog.core.enums import CaseStatus, QuoteStatus
from catalog.core.principal import SYSTEM
from catalog.core.transactions import WriteTransaction, write
from catalog.licensing.sla import resume_due_date
from catalog.licensing.transitions import (
    QUOTE_FINAL,
    CaseAction,
    QuoteAction,
    next_case_status,
    next_quote_status,
    resumed_status,
)
from catalog.models import LicensingCase, Organisation, Product, QuoteRequest
from catalog.models.base import utcnow
from catalog.quotes.invariants import (
    CAUSE_FLAGS,
    PRODUCT_WITHDRAWN,
    RELEASE_REVOKED,
    export_blockers,
)
from catalog.visibility import live_release_to

OPEN_QUOTES = tuple(s for s in QuoteStatus if s not in QUOTE_FINAL)


def _touched(
    product_ids: Iterable[uuid.UUID],
    partner_org_ids: Iterable[uuid.UUID],
    countries: Iterable[str],
) -> ColumnElement[bool] | None:
    products, partners, codes = list(product_ids), list(partner_org_ids), list(countries)
    clauses: list[ColumnElement[bool]] = []
    if products:
        clauses.append(col(QuoteRequest.product_id).in_(products))
    if partners:
        clauses.append(col(QuoteRequest.partner_org_id).in_(partners))
    if codes:
        in_country = select(col(Organisation.id)).where(col(Organisation.country).in_(codes))
        clauses.append(col(QuoteRequest.delivery_country).in_(codes))
        clauses.append(col(QuoteRequest.partner_org_id).in_(in_country))
    return or_(*clauses) if clauses else None


async def reconcile(
    tx: WriteTransaction,
    *,
    product_ids: Iterable[uuid.UUID] = (),
    partner_org_ids: Iterable[uuid.UUID] = (),
    countries: Iterable[str] = (),
) -> int:
    """Hold, update, resume or close the open quotes touched by this write; returns how many
    cases changed."""
    touched = _touched(product_ids, partner_org_ids, countries)
    if touched is None:
        return 0
    session = tx.session
    await session.flush()  # the cause itself must be visible to the checks below
    quotes = list(
        await session.scalars(
            select(QuoteRequest)
            .where(touched, col(QuoteRequest.status).in_(OPEN_QUOTES))
            .order_by(col(QuoteRequest.id))
            .with_for_update()
        )
    )
    if not quotes:
        return 0
    cases = {
        case.quote_request_id: case
        for case in await session.scalars(
            select(LicensingCase)
            .where(col(LicensingCase.quote_request_id).in_([q.id for q in quotes]))
            .order_by(col(LicensingCase.id))
            .with_for_update()
        )
    }
    changed = 0
    for quote in quotes:
        causes = await export_blockers(session, quote)
        changed += settle(tx, quote, cases[quote.id], causes)
    return changed


def settle(
    tx: WriteTransaction, quote: QuoteRequest, case: LicensingCase, causes: list[str]
) -> int:
    """Bring one open quote's case in line with its current causes; 1 if anything changed."""
    if PRODUCT_WITHDRAWN in causes:
        close(tx, quote, case, causes)
    elif causes and case.status is not CaseStatus.ON_HOLD:
        hold(tx, quote, case, causes)
    elif causes and sorted(causes) != sorted(case.hold_causes):
        _recause(tx, quote, case, causes)
    elif not causes and case.status is CaseStatus.ON_HOLD:
        resume(tx, quote, case)
    else:
        return 0
    return 1


def _with_causes(case: LicensingCase, causes: list[str]) -> list[str]:
    """The case's flags: its routing flags and others, with the current causes only."""
    kept = [f for f in case.flags if f not in CAUSE_FLAGS or f in case.routing.get("flags", [])]
    return sorted({*kept, *causes})


def _changed(tx: WriteTransaction, quote: QuoteRequest, case: LicensingCase) -> None:
    now = utcnow()
    case.updated_at = now
    quote.updated_at = now
    tx.emit("licensing_case.changed", "LicensingCase", case.id)
    tx.emit("quote.changed", "QuoteRequest", quote.id)


def hold(tx: WriteTransaction, quote: QuoteRequest, case: LicensingCase, causes: list[str]) -> None:
    held_from = case.status
    case.status = next_case_status(held_from, CaseAction.HOLD)
    case.held_from = held_from
    case.hold_causes = list(causes)
    case.flags = _with_causes(case, causes)
    if held_from is CaseStatus.OPEN and case.sla_paused_since is None:
        case.sla_paused_since = utcnow()
    _changed(tx, quote, case)
    tx.audit(
        "licensing_case.held",
        "LicensingCase",
        case.id,
        {"quote": quote.id, "from": held_from, "causes": causes},
    )


def _recause(
    tx: WriteTransaction, quote: QuoteRequest, case: LicensingCase, causes: list[str]
) -> None:
    before = list(case.hold_causes)
    case.hold_causes = list(causes)
    case.flags = _with_causes(case, causes)
    _changed(tx, quote, case)
    tx.audit(
        "licensing_case.hold_causes_changed",
        "LicensingCase",
        case.id,
        {"quote": quote.id, "from": before, "to": causes},
    )


def resume(tx: WriteTransaction, quote: QuoteRequest, case: LicensingCase) -> None:
    target = resumed_status(case.status, case.held_from)
    lifted = list(case.hold_causes)
    now = utcnow()
    if target is CaseStatus.OPEN and case.sla_paused_since is not None:
        if case.sla_due_on is not None:
            case.sla_due_on = resume_due_date(
                case.sla_due_on, case.sla_paused_since.date(), now.date()
            )
        case.sla_paused_since = None
    case.status = target
    case.held_from = None
    case.hold_causes = []
    case.flags = _with_causes(case, [])
    _changed(tx, quote, case)
    tx.audit(
        "licensing_case.resumed_from_hold",
        "LicensingCase",
        case.id,
        {"quote": quote.id, "to": target, "lifted": lifted, "sla_due_on": case.sla_due_on},
    )


def close(
    tx: WriteTransaction, quote: QuoteRequest, case: LicensingCase, causes: list[str]
) -> None:
    """The listing was withdrawn: the quote and its case close for good."""
    previous = {"case": case.status, "quote": quote.status}
    case.status = next_case_status(case.status, CaseAction.CLOSE)
    quote.status = next_quote_status(quote.status, QuoteAction.CLOSE)
    case.held_from = None
    case.hold_causes = [PRODUCT_WITHDRAWN]
    case.flags = _with_causes(case, [PRODUCT_WITHDRAWN])
    case.sla_paused_since = None
    _changed(tx, quote, case)
    data = {"from": previous, "causes": causes}
    tx.audit("licensing_case.closed", "LicensingCase", case.id, {"why": PRODUCT_WITHDRAWN, **data})
    tx.audit("quote.closed", "QuoteRequest", quote.id, {"why": PRODUCT_WITHDRAWN, **data})


# ---------------------------------------------------------------- expiry


async def expired_release_products(session: AsyncSession) -> list[uuid.UUID]:
    """Products of open quotes that no longer have a live release to their partner's country
    while their case does not record it yet (a release expired since the last write)."""
    now = utcnow()
    recorded = sa.cast(LicensingCase.hold_causes, sa.String).like(f'%"{RELEASE_REVOKED}"%')
    rows = await session.scalars(
        select(col(QuoteRequest.product_id))
        .distinct()
        .join(LicensingCase, col(LicensingCase.quote_request_id) == col(QuoteRequest.id))
        .join(Organisation, col(Organisation.id) == col(QuoteRequest.partner_org_id))
        .join(Product, col(Product.id) == col(QuoteRequest.product_id))
        .where(
            col(QuoteRequest.status).in_(OPEN_QUOTES),
            or_(col(LicensingCase.status) != CaseStatus.ON_HOLD, not_(recorded)),
            not_(live_release_to(col(Organisation.country), now)),
        )
    )
    return list(rows)


async def sweep(db: Database) -> int:
    """Hold the cases whose release expired; returns how many cases changed."""
    async with db.read() as session:
        products = await expired_release_products(session)
    if not products:
        return 0
    async with write(db, SYSTEM) as tx:
        changed = await reconcile(tx, product_ids=products)
        tx.audit("licensing.expiry_sweep", "Product", "expired-releases", {"products": products})
    return changed
