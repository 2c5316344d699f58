"""Working-day SLA arithmetic and the quote/case transition tables, without a database."""

from datetime import date, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from catalog.core.enums import CaseStatus, QuoteStatus
from catalog.core.errors import Codes, DomainError
from catalog.licensing.sla import (
    add_working_days,
    is_overdue,
    resume_due_date,
    working_days_between,
)
from catalog.licensing.transitions import (
    CASE_FINAL,
    CASE_TRANSITIONS,
    HOLDABLE,
    QUOTE_FINAL,
    QUOTE_TRANSITIONS,
    CaseAction,
    QuoteAction,
    next_case_status,
    next_quote_status,
    resumed_status,
)

MON, FRI, SAT, SUN = date(2026, 11, 23), date(2026, 11, 27), date(2026, 11, 28), date(2026, 11, 29)


def test_add_working_days_skips_weekends() -> None:
    assert add_working_days(MON, 0) == MON
    assert add_working_days(MON, 1) == date(2026, 11, 24)
    assert add_working_days(MON, 5) == date(2026, 11, 30)
    assert add_working_days(FRI, 1) == date(2026, 11, 30)
    assert add_working_days(SAT, 1) == date(2026, 11, 30)
    assert add_working_days(SUN, 5) == date(2026, 12, 4)
    assert add_working_days(MON, 20) == date(2026, 12, 21)
    with pytest.raises(ValueError):
        add_working_days(MON, -1)


def test_pause_extends_by_working_days_paused() -> None:
    due = add_working_days(MON, 10)  # Monday 7 December
    assert resume_due_date(due, MON, MON) == due  # asked and answered the same day
    assert resume_due_date(due, FRI, date(2026, 11, 30)) == add_working_days(due, 1)
    assert resume_due_date(due, FRI, SUN) == due  # a weekend costs nothing
    assert resume_due_date(due, MON, date(2026, 12, 7)) == add_working_days(due, 10)


@given(st.dates(min_value=date(2000, 1, 1), max_value=date(2100, 1, 1)), st.integers(0, 400))
def test_working_days_round_trip(start: date, days: int) -> None:
    end = add_working_days(start, days)
    assert working_days_between(start, end) == days
    assert end.weekday() < 5 or days == 0
    brute = sum(
        1 for i in range(1, (end - start).days + 1) if (start + timedelta(days=i)).weekday() < 5
    )
    assert brute == days


def test_quote_table_walks_the_journey() -> None:
    status = QuoteStatus.LICENSING_REVIEW
    for action in (
        QuoteAction.REQUEST_INFO,
        QuoteAction.ANSWER_INFO,
        QuoteAction.APPROVE,
        QuoteAction.RESPOND,
        QuoteAction.ACCEPT,
    ):
        status = next_quote_status(status, action)
    assert status is QuoteStatus.ACCEPTED
    assert {
        QuoteStatus.ACCEPTED,
        QuoteStatus.DECLINED,
        QuoteStatus.REFUSED,
        QuoteStatus.WITHDRAWN,
        QuoteStatus.CLOSED,
    } == QUOTE_FINAL


@pytest.mark.parametrize("status", list(QuoteStatus))
@pytest.mark.parametrize("action", list(QuoteAction))
def test_every_quote_pair_outside_the_table_is_refused(
    status: QuoteStatus, action: QuoteAction
) -> None:
    if (status, action) in QUOTE_TRANSITIONS:
        assert next_quote_status(status, action) is QUOTE_TRANSITIONS[(status, action)]
        return
    with pytest.raises(DomainError) as raised:
        next_quote_status(status, action)
    assert raised.value.code == Codes.INVALID_TRANSITION


def test_withdraw_allowed_until_accepted_only() -> None:
    withdrawable = {s for (s, a) in QUOTE_TRANSITIONS if a is QuoteAction.WITHDRAW}
    assert withdrawable == {
        QuoteStatus.LICENSING_REVIEW,
        QuoteStatus.INFO_REQUESTED,
        QuoteStatus.LICENSED,
        QuoteStatus.OFFERED,
    }


@pytest.mark.parametrize("status", list(CaseStatus))
@pytest.mark.parametrize("action", list(CaseAction))
def test_every_case_pair_outside_the_table_is_refused(
    status: CaseStatus, action: CaseAction
) -> None:
    if (status, action) in CASE_TRANSITIONS:
        assert next_case_status(status, action) is CASE_TRANSITIONS[(status, action)]
        return
    with pytest.raises(DomainError) as raised:
        next_case_status(status, action)
    assert raised.value.code == Codes.INVALID_TRANSITION
    # An approved case is a licence not yet used: it can still be held, closed with its
    # listing, or reviewed again for an offer above the licensed value.
    assert {CaseStatus.REFUSED, CaseStatus.CLOSED} == CASE_FINAL


def test_holds_return_where_they_left() -> None:
    assert {CaseStatus.OPEN, CaseStatus.INFO_REQUESTED, CaseStatus.APPROVED} == HOLDABLE
    for status in HOLDABLE:
        held = next_case_status(status, CaseAction.HOLD)
        assert held is CaseStatus.ON_HOLD
        assert resumed_status(held, status) is status
    for status, held_from in (
        (CaseStatus.OPEN, CaseStatus.OPEN),
        (CaseStatus.ON_HOLD, None),
        (CaseStatus.ON_HOLD, CaseStatus.REFUSED),
    ):
        with pytest.raises(DomainError) as raised:
            resumed_status(status, held_from)
        assert raised.value.code == Codes.INVALID_TRANSITION
    # a held case may be refused, closed or assigned, and nothing else moves it
    allowed = {a for (s, a) in CASE_TRANSITIONS if s is CaseStatus.ON_HOLD}
    assert allowed == {CaseAction.REFUSE, CaseAction.CLOSE, CaseAction.ASSIGN, CaseAction.RESUME}
    assert next_case_status(CaseStatus.ON_HOLD, CaseAction.RESUME) is CaseStatus.ON_HOLD


def test_offers_are_revised_until_accepted_and_listings_close_open_quotes() -> None:
    assert next_quote_status(QuoteStatus.OFFERED, QuoteAction.RESPOND) is QuoteStatus.OFFERED
    for status in (QuoteStatus.LICENSED, QuoteStatus.OFFERED):
        review = next_quote_status(status, QuoteAction.REVIEW_OFFER)
        assert review is QuoteStatus.LICENSING_REVIEW
    closable = {s for (s, a) in QUOTE_TRANSITIONS if a is QuoteAction.CLOSE}
    assert closable == set(QuoteStatus) - QUOTE_FINAL


def test_overdue_only_while_open_and_running() -> None:
    assert is_overdue(MON, FRI, paused=False, open_=True)
    assert not is_overdue(FRI, FRI, paused=False, open_=True)
    assert not is_overdue(MON, FRI, paused=True, open_=True)
    assert not is_overdue(MON, FRI, paused=False, open_=False)
    assert not is_overdue(None, FRI, paused=False, open_=True)
