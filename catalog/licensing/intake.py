"""Quotes enter licensing: a new quote's case is opened from the routing decision in the
quote's own transaction (a quote never exists without a case), and a licensed quote whose
offer the licence does not cover comes back for review, routed again."""

import uuid
from datetime import datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa

from catalog.core.enums import CaseStatus
from catalog.core.errors import Codes, DomainError
from catalog.core.transactions import WriteTransaction
from catalog.licensing.documents import missing_documents, with_document_flag
from catalog.licensing.facts import decide, quote_facts, transit_of
from catalog.licensing.routing import RoutingDecision
from catalog.licensing.rules import rule_set_for_routing
from catalog.licensing.transitions import CaseAction, next_case_status
from catalog.models import Country, LicensingCase, Organisation, Product, QuoteRequest
from catalog.models.base import new_id, table_of, utcnow

_CASE = table_of(LicensingCase)
# A case as the model's instance, or, for a case just written, as the plain row written (the
# same attribute names; see `QuoteRow` in catalog/quotes/requests.py).
CaseRow = LicensingCase | SimpleNamespace
_INSERT_CASE = sa.insert(_CASE)  # built once, like every statement of a quote


def _case_row(quote_id: uuid.UUID, decision: RoutingDecision, now: datetime) -> dict[str, Any]:
    """Every column of a new quote's case, as the model's defaults would fill it."""
    # A new quote has no documents yet: every required one is missing.
    missing = [] if decision.refused else list(decision.requires_documents)
    return {
        "id": new_id(),
        "quote_request_id": quote_id,
        "queue": decision.queue,
        "flags": with_document_flag(list(decision.flags), missing),
        "status": CaseStatus.REFUSED if decision.refused else CaseStatus.OPEN,
        "sla_due_on": decision.sla_due_on,
        "sla_paused_since": None,
        "approvals_required": decision.approvals_required,
        "assigned_to": None,
        "rule_set_version": decision.rule_set_version,
        "routing": decision.to_json(),
        "routing_history": [],
        "review_round": 1,
        "held_from": None,
        "hold_causes": [],
        "created_at": now,
        "updated_at": now,
        "decided_at": now if decision.refused else None,
    }


async def open_case(
    tx: WriteTransaction, quote_id: uuid.UUID, decision: RoutingDecision, now: datetime
) -> dict[str, Any]:
    """The licensing case for a new quote (already inserted), as written; an embargoed
    destination is refused at once, and the caller gives the quote the same refusal. One
    Core statement: nothing here reads the case back."""
    case = _case_row(quote_id, decision, now)
    conn = await tx.session.connection()
    await conn.execute(_INSERT_CASE, case)
    tx.audit(
        "licensing_case.routed",
        "LicensingCase",
        case["id"],
        {
            "quote": quote_id,
            "queue": case["queue"],
            "flags": case["flags"],
            "rule_set_version": case["rule_set_version"],
            "approvals_required": case["approvals_required"],
        },
    )
    if decision.refused:
        tx.audit(
            "licensing_case.refused_automatically",
            "LicensingCase",
            case["id"],
            {"reason": decision.refusal_reason},
        )
    tx.emit("licensing_case.changed", "LicensingCase", case["id"])
    return case


FLAG_OFFER_ABOVE_LICENCE = "OFFER_ABOVE_LICENSED_VALUE"
FLAG_OFFER_CURRENCY = "OFFER_CURRENCY_REVIEW"
OFFER_FLAGS = frozenset({FLAG_OFFER_ABOVE_LICENCE, FLAG_OFFER_CURRENCY})


async def review_offer(
    tx: WriteTransaction,
    quote: QuoteRequest,
    case: LicensingCase,
    product: Product,
    *,
    value_eur: Decimal | None,
    flag: str,
) -> None:
    """An offer the licence does not cover: the case is reviewed again, routed with the current
    rule set on the offer's value (None: unknown), the earlier decision kept in its history.
    Approvals start afresh (a new review round)."""
    session = tx.session
    partner = await session.get_one(Organisation, quote.partner_org_id)
    facts = quote_facts(
        product,
        quantity=quote.quantity,
        value_eur=value_eur,
        partner=await session.get_one(Country, partner.country),
        delivery=await session.get_one(Country, quote.delivery_country),
        co_production=quote.co_production,
        transit=await transit_of(session, quote.export_centre_id),
    )
    decision = decide(facts, await rule_set_for_routing(tx), utcnow().date())
    if decision.refused:  # the invariants were checked first; a gate refusing is a bug
        raise DomainError.one(f"not allowed now: {decision.refusal_reason}", Codes.NOT_ALLOWED)
    previous = case.status
    case.status = next_case_status(previous, CaseAction.REVIEW_OFFER)
    case.routing_history = [*case.routing_history, case.routing]
    case.routing = decision.to_json()
    case.queue = decision.queue
    case.flags = sorted({*decision.flags, flag, *(f for f in case.flags if f in OFFER_FLAGS)})
    case.sla_due_on = decision.sla_due_on
    case.sla_paused_since = None
    case.approvals_required = decision.approvals_required
    case.rule_set_version = decision.rule_set_version
    case.review_round += 1
    case.decided_at = None
    case.updated_at = utcnow()
    case.flags = with_document_flag(case.flags, await missing_documents(session, case))
    tx.audit(
        "licensing_case.offer_review",
        "LicensingCase",
        case.id,
        {
            "quote": quote.id,
            "why": flag,
            "from": previous,
            "queue": case.queue,
            "value_eur": value_eur,
            "rule_set_version": case.rule_set_version,
            "approvals_required": case.approvals_required,
            "review_round": case.review_round,
        },
    )
    tx.emit("licensing_case.changed", "LicensingCase", case.id)
