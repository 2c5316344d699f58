"""The programme's report over a period: what was sold, how licensing kept up, what was refused
and what Build with Ukraine asked for.

- Accepted quotes by the partner's country, the product's category and the month of
  acceptance: quotes, units and value. A quote's acceptance is its last change (nothing moves
  an accepted quote), so `updated_at` dates it. Values are the accepted offer's total; offers
  in EUR make `value_eur`, offers in other currencies are summed per currency apart
  (`other_currencies`), never converted at a guessed rate.
- Licensing cases opened in the period, by queue: how many, how many decided, the median time
  from routing to the decision, and SLA breaches (decided after the due date, or still
  undecided past it).
- Refusals in the period by reason (quotes refused by officers or a hard gate, and
  co-production requests refused).
- Co-production requests made in the period, by status and by production country.

The period is inclusive of both dates (UTC).
"""

import statistics
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import require_report_reader
from catalog.core.enums import CaseStatus, CoProductionStatus, QuoteStatus
from catalog.core.errors import Codes, DomainError
from catalog.core.principal import Principal
from catalog.models import CoProductionRequest, LicensingCase, Organisation, Product, QuoteRequest
from catalog.models.base import utcnow

MAX_DAYS = 366 * 5
UNDECIDED = (CaseStatus.OPEN, CaseStatus.INFO_REQUESTED, CaseStatus.ON_HOLD)


@dataclass
class SalesRow:
    key: str
    quotes: int = 0
    units: int = 0
    value_eur: Decimal = Decimal(0)


@dataclass
class QueueRow:
    queue: str
    cases: int = 0
    decided: int = 0
    median_decision_hours: float | None = None
    sla_breaches: int = 0


@dataclass
class CountRow:
    key: str
    count: int = 0


@dataclass
class ProgrammeReport:
    period_from: date
    period_to: date
    accepted_quotes: int = 0
    accepted_units: int = 0
    accepted_value_eur: Decimal = Decimal(0)
    other_currencies: list[SalesRow] = field(default_factory=list)
    by_country: list[SalesRow] = field(default_factory=list)
    by_category: list[SalesRow] = field(default_factory=list)
    by_month: list[SalesRow] = field(default_factory=list)
    queues: list[QueueRow] = field(default_factory=list)
    refusals: list[CountRow] = field(default_factory=list)
    co_production_by_status: list[CountRow] = field(default_factory=list)
    co_production_by_country: list[CountRow] = field(default_factory=list)


def _bounds(period_from: date, period_to: date) -> tuple[datetime, datetime]:
    if period_to < period_from:
        raise DomainError.one("`to` is before `from`", Codes.INVALID, "to")
    if (period_to - period_from).days > MAX_DAYS:
        raise DomainError.one(f"at most {MAX_DAYS} days", Codes.INVALID, "to")
    start = datetime.combine(period_from, time.min, tzinfo=UTC)
    return start, datetime.combine(period_to + timedelta(days=1), time.min, tzinfo=UTC)


def _add(rows: dict[str, SalesRow], key: str, units: int, value: Decimal) -> None:
    row = rows.setdefault(key, SalesRow(key))
    row.quotes += 1
    row.units += units
    row.value_eur += value


def _sorted(rows: dict[str, SalesRow]) -> list[SalesRow]:
    return [rows[k] for k in sorted(rows)]


async def _sales(
    session: AsyncSession, report: ProgrammeReport, start: datetime, end: datetime
) -> None:
    rows = await session.execute(
        select(QuoteRequest, col(Organisation.country), col(Product.category))
        .join(Organisation, col(Organisation.id) == col(QuoteRequest.partner_org_id))
        .join(Product, col(Product.id) == col(QuoteRequest.product_id))
        .where(
            col(QuoteRequest.status) == QuoteStatus.ACCEPTED,
            col(QuoteRequest.updated_at) >= start,
            col(QuoteRequest.updated_at) < end,
        )
    )
    country: dict[str, SalesRow] = {}
    category: dict[str, SalesRow] = {}
    month: dict[str, SalesRow] = {}
    other: dict[str, SalesRow] = {}
    for quote, partner_country, product_category in rows:
        total = (quote.offer_unit_price or Decimal(0)) * quote.quantity
        in_eur = quote.offer_currency in (None, "EUR")
        if not in_eur:
            _add(other, str(quote.offer_currency), quote.quantity, total)
        value = total if in_eur else Decimal(0)
        report.accepted_quotes += 1
        report.accepted_units += quote.quantity
        report.accepted_value_eur += value
        _add(country, partner_country, quote.quantity, value)
        _add(category, str(product_category), quote.quantity, value)
        _add(month, quote.updated_at.strftime("%Y-%m"), quote.quantity, value)
    report.by_country, report.by_category = _sorted(country), _sorted(category)
    report.by_month, report.other_currencies = _sorted(month), _sorted(other)


async def _queues(
    session: AsyncSession, report: ProgrammeReport, start: datetime, end: datetime
) -> None:
    cases = await session.scalars(
        select(LicensingCase).where(
            col(LicensingCase.created_at) >= start,
            col(LicensingCase.created_at) < end,
        )
    )
    today = utcnow().date()
    rows: dict[str, QueueRow] = {}
    hours: dict[str, list[float]] = defaultdict(list)
    for case in cases:
        row = rows.setdefault(case.queue, QueueRow(case.queue))
        row.cases += 1
        due = case.sla_due_on
        if case.decided_at is not None and case.status not in UNDECIDED:
            row.decided += 1
            hours[case.queue].append((case.decided_at - case.created_at).total_seconds() / 3600)
            row.sla_breaches += int(due is not None and case.decided_at.date() > due)
        elif case.status in UNDECIDED:
            row.sla_breaches += int(
                due is not None and case.sla_paused_since is None and today > due
            )
    for queue, spent in hours.items():
        rows[queue].median_decision_hours = round(statistics.median(spent), 2)
    report.queues = [rows[k] for k in sorted(rows)]


def _counted(values: list[str]) -> list[CountRow]:
    counts: dict[str, int] = defaultdict(int)
    for value in values:
        counts[value] += 1
    return [CountRow(k, counts[k]) for k in sorted(counts, key=lambda k: (-counts[k], k))]


async def _refusals_and_co_production(
    session: AsyncSession, report: ProgrammeReport, start: datetime, end: datetime
) -> None:
    refused = await session.scalars(
        select(col(QuoteRequest.refusal_reason)).where(
            col(QuoteRequest.status) == QuoteStatus.REFUSED,
            col(QuoteRequest.updated_at) >= start,
            col(QuoteRequest.updated_at) < end,
        )
    )
    reasons = [r or "(no reason recorded)" for r in refused]
    requests = list(
        await session.scalars(
            select(CoProductionRequest).where(
                col(CoProductionRequest.created_at) >= start,
                col(CoProductionRequest.created_at) < end,
            )
        )
    )
    reasons += [
        f"co-production: {r.refusal_reason}"
        for r in requests
        if r.status is CoProductionStatus.REFUSED
    ]
    report.refusals = _counted(reasons)
    report.co_production_by_status = _counted([str(r.status) for r in requests])
    report.co_production_by_country = _counted([r.production_country for r in requests])


async def build_report(
    session: AsyncSession, period_from: date, period_to: date
) -> ProgrammeReport:
    """The report, for whoever may read it (the CLI runs it as the operator)."""
    start, end = _bounds(period_from, period_to)
    report = ProgrammeReport(period_from, period_to)
    await _sales(session, report, start, end)
    await _queues(session, report, start, end)
    await _refusals_and_co_production(session, report, start, end)
    return report


async def programme_report(
    session: AsyncSession, principal: Principal, period_from: date, period_to: date
) -> ProgrammeReport:
    require_report_reader(principal)
    return await build_report(session, period_from, period_to)


def report_json(report: ProgrammeReport) -> dict[str, object]:
    """The report as JSON-ready data (amounts as strings, exact)."""

    def plain(value: object) -> object:
        if isinstance(value, Decimal):
            return str(value)
        if isinstance(value, date):
            return value.isoformat()
        if isinstance(value, list):
            return [plain(v) for v in value]
        if isinstance(value, dict):
            return {k: plain(v) for k, v in value.items()}
        return value

    return {k: plain(v) for k, v in asdict(report).items()}


def report_rows(report: ProgrammeReport) -> list[dict[str, str]]:
    """The report as one long table: section, key, metric, value (for CSV)."""
    rows = [
        {"section": "total", "key": "", "metric": name, "value": str(getattr(report, name))}
        for name in ("accepted_quotes", "accepted_units", "accepted_value_eur")
    ]
    sections: dict[str, list[SalesRow] | list[QueueRow] | list[CountRow]] = {
        "country": report.by_country,
        "category": report.by_category,
        "month": report.by_month,
        "other_currency": report.other_currencies,
        "queue": report.queues,
        "refusal": report.refusals,
        "co_production_status": report.co_production_by_status,
        "co_production_country": report.co_production_by_country,
    }
    for section, items in sections.items():
        for item in items:
            values = asdict(item)
            key = str(values.pop("key", None) or values.pop("queue", ""))
            for metric, value in values.items():
                shown = "" if value is None else str(value)
                rows.append({"section": section, "key": key, "metric": metric, "value": shown})
    return rows
