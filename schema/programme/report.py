"""`programmeReport(from, to)`: the programme's report for curators and licensing."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Any

import strawberry
from strawberry.types import Info

from catalog.core.errors import DomainError
from catalog.programme import report as domain
from schema.context import Context
from schema.programme.queries import require_any
from schema.relay import bad_input


@strawberry.type(description="Accepted quotes under one key (a country, category or month).")
class SalesRow:
    key: str
    quotes: int
    units: int
    value_eur: Decimal = strawberry.field(description="Accepted offers in EUR only.")


@strawberry.type
class CurrencyTotal:
    currency: str
    quotes: int
    units: int
    value: Decimal


@strawberry.type(description="Licensing cases opened in the period, in one queue.")
class QueueStats:
    queue: str
    cases: int
    decided: int
    median_decision_hours: float | None
    sla_breaches: int


@strawberry.type
class CountRow:
    key: str
    count: int


@strawberry.type
class ProgrammeReport:
    period_from: date
    period_to: date
    accepted_quotes: int
    accepted_units: int
    accepted_value_eur: Decimal
    other_currencies: list[CurrencyTotal] = strawberry.field(
        description="Accepted offers in other currencies (never converted)."
    )
    by_country: list[SalesRow] = strawberry.field(description="By the partner's country.")
    by_category: list[SalesRow]
    by_month: list[SalesRow] = strawberry.field(description="By month of acceptance (YYYY-MM).")
    queues: list[QueueStats]
    refusals: list[CountRow] = strawberry.field(description="Refusals by reason.")
    co_production_by_status: list[CountRow]
    co_production_by_country: list[CountRow]

    @classmethod
    def from_domain(cls, report: domain.ProgrammeReport) -> "ProgrammeReport":
        def sales(rows: list[domain.SalesRow]) -> list[SalesRow]:
            return [SalesRow(key=r.key, quotes=r.quotes, units=r.units, value_eur=r.value_eur)
                    for r in rows]  # fmt: skip

        def counts(rows: list[domain.CountRow]) -> list[CountRow]:
            return [CountRow(key=r.key, count=r.count) for r in rows]

        return cls(
            period_from=report.period_from,
            period_to=report.period_to,
            accepted_quotes=report.accepted_quotes,
            accepted_units=report.accepted_units,
            accepted_value_eur=report.accepted_value_eur,
            other_currencies=[
                CurrencyTotal(currency=r.key, quotes=r.quotes, units=r.units, value=r.value_eur)
                for r in report.other_currencies
            ],
            by_country=sales(report.by_country),
            by_category=sales(report.by_category),
            by_month=sales(report.by_month),
            queues=[
                QueueStats(
                    queue=q.queue,
                    cases=q.cases,
                    decided=q.decided,
                    median_decision_hours=q.median_decision_hours,
                    sla_breaches=q.sla_breaches,
                )
                for q in report.queues
            ],
            refusals=counts(report.refusals),
            co_production_by_status=counts(report.co_production_by_status),
            co_production_by_country=counts(report.co_production_by_country),
        )


@strawberry.type
class ReportQuery:
    @strawberry.field(
        description="The programme's report for a period (both dates included, UTC): curators "
        "and licensing."
    )
    async def programme_report(
        self,
        info: Info[Context, Any],
        period_from: Annotated[date, strawberry.argument(name="from")],
        period_to: Annotated[date, strawberry.argument(name="to")],
    ) -> ProgrammeReport:
        require_any(info, "catalog:curate", "licensing:review")
        try:
            async with info.context.db.read() as session:
                report = await domain.programme_report(
                    session, info.context.principal, period_from, period_to
                )
        except DomainError as error:
            raise bad_input(error.problems[0].message) from error
        return ProgrammeReport.from_domain(report)
