"""Explicit transition tables for quote requests and licensing cases.

Every status change goes through `next_quote_status` / `next_case_status`: a (status, action)
pair that is not in the table raises DomainError INVALID_TRANSITION before anything is written.
Keeping the tables as plain data lets tests enumerate every invalid pair.
"""

from enum import StrEnum

from catalog.core.enums import CaseStatus, QuoteStatus
from catalog.core.errors import Codes, DomainError


class QuoteAction(StrEnum):
    REQUEST_INFO = "REQUEST_INFO"  # officer asks the partner for more information
    ANSWER_INFO = "ANSWER_INFO"  # partner answers; review resumes
    APPROVE = "APPROVE"  # the last approval the case needs
    REFUSE = "REFUSE"
    RESPOND = "RESPOND"  # manufacturer makes an offer on a licensed quote
    ACCEPT = "ACCEPT"
    DECLINE = "DECLINE"
    WITHDRAW = "WITHDRAW"  # partner, any time until an offer is accepted


class CaseAction(StrEnum):
    APPROVE_PARTIAL = "APPROVE_PARTIAL"  # an approval, but more are needed (four-eyes)
    APPROVE = "APPROVE"  # the last approval needed
    REFUSE = "REFUSE"
    REQUEST_INFO = "REQUEST_INFO"
    RESUME = "RESUME"  # the partner answered the information request
    CLOSE = "CLOSE"  # the quote was withdrawn
    ASSIGN = "ASSIGN"


Q = QuoteStatus
QUOTE_TRANSITIONS: dict[tuple[QuoteStatus, QuoteAction], QuoteStatus] = {
    (Q.LICENSING_REVIEW, QuoteAction.REQUEST_INFO): Q.INFO_REQUESTED,
    (Q.LICENSING_REVIEW, QuoteAction.APPROVE): Q.LICENSED,
    (Q.LICENSING_REVIEW, QuoteAction.REFUSE): Q.REFUSED,
    (Q.LICENSING_REVIEW, QuoteAction.WITHDRAW): Q.WITHDRAWN,
    (Q.INFO_REQUESTED, QuoteAction.ANSWER_INFO): Q.LICENSING_REVIEW,
    # An officer may refuse without waiting for an answer that may never come.
    (Q.INFO_REQUESTED, QuoteAction.REFUSE): Q.REFUSED,
    (Q.INFO_REQUESTED, QuoteAction.WITHDRAW): Q.WITHDRAWN,
    (Q.LICENSED, QuoteAction.RESPOND): Q.OFFERED,
    (Q.LICENSED, QuoteAction.WITHDRAW): Q.WITHDRAWN,
    (Q.OFFERED, QuoteAction.ACCEPT): Q.ACCEPTED,
    (Q.OFFERED, QuoteAction.DECLINE): Q.DECLINED,
    (Q.OFFERED, QuoteAction.WITHDRAW): Q.WITHDRAWN,
}

C = CaseStatus
CASE_TRANSITIONS: dict[tuple[CaseStatus, CaseAction], CaseStatus] = {
    (C.OPEN, CaseAction.APPROVE_PARTIAL): C.OPEN,
    (C.OPEN, CaseAction.APPROVE): C.APPROVED,
    (C.OPEN, CaseAction.REFUSE): C.REFUSED,
    (C.OPEN, CaseAction.REQUEST_INFO): C.INFO_REQUESTED,
    (C.OPEN, CaseAction.CLOSE): C.CLOSED,
    (C.OPEN, CaseAction.ASSIGN): C.OPEN,
    (C.INFO_REQUESTED, CaseAction.RESUME): C.OPEN,
    (C.INFO_REQUESTED, CaseAction.REFUSE): C.REFUSED,
    (C.INFO_REQUESTED, CaseAction.CLOSE): C.CLOSED,
    (C.INFO_REQUESTED, CaseAction.ASSIGN): C.INFO_REQUESTED,
}

# Statuses from which nothing moves any more.
QUOTE_FINAL = frozenset(s for s in QuoteStatus if not any(src is s for src, _ in QUOTE_TRANSITIONS))
CASE_FINAL = frozenset(s for s in CaseStatus if not any(src is s for src, _ in CASE_TRANSITIONS))


def _label(value: str) -> str:
    return value.lower().replace("_", " ")


def next_quote_status(current: QuoteStatus, action: QuoteAction) -> QuoteStatus:
    target = QUOTE_TRANSITIONS.get((current, action))
    if target is None:
        raise DomainError.one(
            f"cannot {_label(action)} a quote request that is {current}",
            Codes.INVALID_TRANSITION,
        )
    return target


def next_case_status(current: CaseStatus, action: CaseAction) -> CaseStatus:
    target = CASE_TRANSITIONS.get((current, action))
    if target is None:
        raise DomainError.one(
            f"cannot {_label(action)} a licensing case that is {current}",
            Codes.INVALID_TRANSITION,
        )
    return target
