"""A new quote enters licensing: its case is opened from the routing decision in the
quote's own transaction (a quote never exists without a case)."""

from catalog.core.enums import CaseStatus, QuoteStatus
from catalog.core.transactions import WriteTransaction
from catalog.licensing.routing import RoutingDecision
from catalog.models import LicensingCase, QuoteRequest
from catalog.models.base import utcnow


async def open_case(
    tx: WriteTransaction, quote: QuoteRequest, decision: RoutingDecision
) -> LicensingCase:
    """The licensing case for a new quote; an embargoed destination is refused at once."""
    case = LicensingCase(
        quote_request_id=quote.id,
        queue=decision.queue,
        flags=list(decision.flags),
        sla_due_on=decision.sla_due_on,
        approvals_required=decision.approvals_required,
        rule_set_version=decision.rule_set_version,
        routing=decision.to_json(),
    )
    if decision.refused:
        case.status = CaseStatus.REFUSED
        case.decided_at = utcnow()
        quote.status = QuoteStatus.REFUSED
        quote.refusal_reason = decision.refusal_reason
    tx.session.add(case)
    tx.audit(
        "licensing_case.routed",
        "LicensingCase",
        case.id,
        {
            "quote": quote.id,
            "queue": case.queue,
            "flags": case.flags,
            "rule_set_version": case.rule_set_version,
            "approvals_required": case.approvals_required,
        },
    )
    if decision.refused:
        tx.audit(
            "licensing_case.refused_automatically",
            "LicensingCase",
            case.id,
            {"reason": decision.refusal_reason},
        )
    tx.emit("licensing_case.changed", "LicensingCase", case.id)
    return case
