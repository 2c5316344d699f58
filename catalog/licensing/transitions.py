"""Explicit transition tables for quote requests and licensing cases.

Every status change goes through `next_quote_status` / `next_case_status`: a (status, action)
pair that is not in the table raises DomainError INVALID_TRANSITION before anything is written.
Keeping the tables as plain data lets tests enumerate every invalid pair.

A case on hold returns to the status it left (`resumed_status`): the one move the tables cannot
hold as a fixed pair. Approving or asking for information on a held case is refused before the
table is consulted (NOT_ALLOWED, see catalog/quotes/invariants.py).
"""

from enum import StrEnum

from catalog.core.enums import CaseStatus, QuoteStatus
from catalog.core.errors import Codes, DomainError


class QuoteAction(StrEnum):
    REQUEST_INFO = "REQUEST_INFO"  # officer asks the partner for more information
    ANSWER_INFO = "ANSWER_INFO"  # partner answers; review resumes
    APPROVE = "APPROVE"  # the last approval the case needs
    REFUSE = "REFUSE"
    RESPOND = "RESPOND"  # manufacturer makes (or revises) an offer within the licence
    REVIEW_OFFER = "REVIEW_OFFER"  # an offer above the licensed value goes back to licensing
    ACCEPT = "ACCEPT"
    DECLINE = "DECLINE"
    WITHDRAW = "WITHDRAW"  # partner, any time until an offer is accepted
    CLOSE = "CLOSE"  # the listing was withdrawn


class CaseAction(StrEnum):
    APPROVE_PARTIAL = "APPROVE_PARTIAL"  # an approval, but more are needed (four-eyes)
    APPROVE = "APPROVE"  # the last approval needed
    REFUSE = "REFUSE"
    REQUEST_INFO = "REQUEST_INFO"
    RESUME = "RESUME"  # the partner answered the information request
    CLOSE = "CLOSE"  # the quote was withdrawn, or the listing was
    ASSIGN = "ASSIGN"
    HOLD = "HOLD"  # an export-control cause appeared
    REVIEW_OFFER = "REVIEW_OFFER"  # an offer above the licensed value: review again


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
    (Q.LICENSED, QuoteAction.REVIEW_OFFER): Q.LICENSING_REVIEW,
    (Q.LICENSED, QuoteAction.WITHDRAW): Q.WITHDRAWN,
    # Officers may refuse a licence granted but not yet used once its case is held.
    (Q.LICENSED, QuoteAction.REFUSE): Q.REFUSED,
    (Q.OFFERED, QuoteAction.RESPOND): Q.OFFERED,  # a revision, until accepted
    (Q.OFFERED, QuoteAction.REVIEW_OFFER): Q.LICENSING_REVIEW,
    (Q.OFFERED, QuoteAction.ACCEPT): Q.ACCEPTED,
    (Q.OFFERED, QuoteAction.DECLINE): Q.DECLINED,
    (Q.OFFERED, QuoteAction.WITHDRAW): Q.WITHDRAWN,
    (Q.OFFERED, QuoteAction.REFUSE): Q.REFUSED,
    **{(s, QuoteAction.CLOSE): Q.CLOSED for s in (Q.LICENSING_REVIEW, Q.INFO_REQUESTED)},
    **{(s, QuoteAction.CLOSE): Q.CLOSED for s in (Q.LICENSED, Q.OFFERED)},
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
    # A licence granted but not yet used: held, closed with its listing, or reviewed again
    # for an offer above the licensed value.
    (C.APPROVED, CaseAction.CLOSE): C.CLOSED,
    (C.APPROVED, CaseAction.REVIEW_OFFER): C.OPEN,
    **{(s, CaseAction.HOLD): C.ON_HOLD for s in (C.OPEN, C.INFO_REQUESTED, C.APPROVED)},
    (C.ON_HOLD, CaseAction.REFUSE): C.REFUSED,
    (C.ON_HOLD, CaseAction.CLOSE): C.CLOSED,
    (C.ON_HOLD, CaseAction.ASSIGN): C.ON_HOLD,
    # The partner answers an information request while the case is held: it stays held.
    (C.ON_HOLD, CaseAction.RESUME): C.ON_HOLD,
}
HOLDABLE = frozenset(s for (s, a) in CASE_TRANSITIONS if a is CaseAction.HOLD)

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


def resumed_status(current: CaseStatus, held_from: CaseStatus | None) -> CaseStatus:
    """Where a held case returns when its causes are lifted: the status it left."""
    if current is not CaseStatus.ON_HOLD or held_from not in HOLDABLE:
        raise DomainError.one(
            f"cannot resume a licensing case that is {current}", Codes.INVALID_TRANSITION
        )
    assert held_from is not None
    return held_from
