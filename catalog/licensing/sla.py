"""Working-day arithmetic for licensing SLAs (Monday to Friday; public holidays are not modelled).

Conventions, chosen so that the same submission always gets the same due date:
- the day of submission is not counted: n working days after a Monday is n working days later,
  and a submission at the weekend starts counting on Monday;
- a pause from day P to day R (information requested on P, answered on R) costs the working
  days in (P, R]: asking and answering on the same day costs nothing, asking on Friday and
  answering on Monday costs one day; the due date moves by that many working days.
"""

from datetime import date, timedelta

SATURDAY = 5


def is_working_day(day: date) -> bool:
    return day.weekday() < SATURDAY


def add_working_days(start: date, days: int) -> date:
    """The date `days` working days after `start` (`start` itself not counted)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current = start
    remaining = days
    while remaining > 0:
        current += timedelta(days=1)
        if is_working_day(current):
            remaining -= 1
    return current


def working_days_between(start: date, end: date) -> int:
    """Working days in the half-open interval (start, end]; 0 when end <= start."""
    if end <= start:
        return 0
    total_days = (end - start).days
    full_weeks, rest = divmod(total_days, 7)
    count = full_weeks * 5
    current = start + timedelta(days=full_weeks * 7)
    for _ in range(rest):
        current += timedelta(days=1)
        if is_working_day(current):
            count += 1
    return count


def due_date(submitted_on: date, sla_working_days: int) -> date:
    return add_working_days(submitted_on, sla_working_days)


def resume_due_date(due: date, paused_on: date, resumed_on: date) -> date:
    """The due date after a pause from `paused_on` to `resumed_on`."""
    return add_working_days(due, working_days_between(paused_on, resumed_on))


def is_overdue(due: date | None, today: date, *, paused: bool, open_: bool) -> bool:
    """Past its due date while still waiting for officers (a paused clock is never overdue)."""
    return open_ and not paused and due is not None and today > due
