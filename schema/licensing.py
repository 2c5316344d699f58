"""Licensing cases over GraphQL: the queues, routing decisions, officers' decisions.
Routing rules and simulation are in `schema/routing_rules.py`.

Who sees what on a LicensingCase: anyone who may see the quote sees its queue, status, SLA due
date and the approvals it needs; flags, the routing explanation, the assignee and the officers'
decisions (with internal notes) need `licensing:review`.
"""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.types import Info

from catalog.core.enums import CaseDecisionKind, CaseStatus
from catalog.core.errors import DomainError, not_found
from catalog.licensing import cases as cases_domain
from catalog.licensing.sla import is_overdue
from catalog.models import CaseDecision as CaseDecisionRow
from catalog.models import LicensingCase as CaseRow
from catalog.models.base import utcnow
from schema.context import Context
from schema.errors import UserError, forbidden, mutation_payload
from schema.loaders import case_decisions_loader, quote_loader
from schema.permissions import require
from schema.relay import Node, PageInfo, bad_input, id_of_type, page_info, page_size, to_global_id

if TYPE_CHECKING:
    from schema.quotes import QuoteRequest

CaseStatusEnum = strawberry.enum(CaseStatus, name="CaseStatus")
CaseDecisionEnum = strawberry.enum(CaseDecisionKind, name="CaseDecision")
REVIEW = "licensing:review"


def _officer_only(info: Info[Context, Any]) -> None:
    if not info.context.principal.has_scope(REVIEW):
        raise forbidden(REVIEW)


@strawberry.type
class RuleEvaluation:
    rule_id: strawberry.ID | None = strawberry.field(description="Null for the hard gates.")
    rule_name: str
    tier: int
    matched: bool
    failed_condition: str | None


@strawberry.type
class RoutingDecision:
    queue: str
    rule_set_version: int
    flags: list[str]
    sla_working_days: int
    sla_due_at: date
    approvals_required: int
    refused: bool
    refusal_reason: str | None
    explanation: list[RuleEvaluation]

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "RoutingDecision":
        return cls(
            queue=data["queue"],
            rule_set_version=data["rule_set_version"],
            flags=list(data["flags"]),
            sla_working_days=data["sla_working_days"],
            sla_due_at=date.fromisoformat(data["sla_due_on"]),
            approvals_required=data["approvals_required"],
            refused=data["refused"],
            refusal_reason=data["refusal_reason"],
            explanation=[
                RuleEvaluation(
                    rule_id=to_global_id("RoutingRule", e["rule_id"]) if e["rule_id"] else None,
                    rule_name=e["rule_name"],
                    tier=e["tier"],
                    matched=e["matched"],
                    failed_condition=e["failed_condition"],
                )
                for e in data["explanation"]
            ],
        )


@strawberry.type
class CaseDecisionRecord:
    decision: CaseDecisionEnum  # type: ignore[valid-type]
    officer: str
    reason: str
    internal_note: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: CaseDecisionRow) -> "CaseDecisionRecord":
        return cls(
            decision=row.decision,
            officer=row.officer,
            reason=row.reason,
            internal_note=row.internal_note,
            created_at=row.created_at,
        )


@strawberry.type
class LicensingCase(Node):
    row: strawberry.Private[CaseRow]
    queue: str
    status: CaseStatusEnum  # type: ignore[valid-type]
    sla_due_at: date | None
    sla_paused: bool
    approvals_required: int
    created_at: datetime
    decided_at: datetime | None

    @strawberry.field(description="Open, not paused, and past its SLA due date.")
    def overdue(self) -> bool:
        return is_overdue(
            self.row.sla_due_on,
            utcnow().date(),
            paused=self.row.sla_paused_since is not None,
            open_=self.row.status is CaseStatus.OPEN,
        )

    @strawberry.field(description="Licensing officers only.")
    def flags(self, info: Info[Context, Any]) -> list[str]:
        _officer_only(info)
        return list(self.row.flags)

    @strawberry.field(description="Licensing officers only.")
    def assigned_to(self, info: Info[Context, Any]) -> str | None:
        _officer_only(info)
        return self.row.assigned_to

    @strawberry.field(description="Why the case is in its queue. Licensing officers only.")
    def routing(self, info: Info[Context, Any]) -> RoutingDecision:
        _officer_only(info)
        return RoutingDecision.from_json(self.row.routing)

    @strawberry.field(description="Officers' decisions, oldest first. Licensing officers only.")
    async def decisions(self, info: Info[Context, Any]) -> list[CaseDecisionRecord]:
        _officer_only(info)
        rows = await case_decisions_loader(info).load(self.row.id)
        return [CaseDecisionRecord.from_row(r) for r in rows]

    @strawberry.field
    async def quote_request(
        self, info: Info[Context, Any]
    ) -> Annotated["QuoteRequest", strawberry.lazy("schema.quotes")] | None:
        from schema.quotes import QuoteRequest

        row = await quote_loader(info).load(self.row.quote_request_id)
        return QuoteRequest.from_row(row) if row is not None else None

    @classmethod
    def from_row(cls, row: CaseRow) -> "LicensingCase":
        return cls(
            id=to_global_id("LicensingCase", row.id),
            row=row,
            queue=row.queue,
            status=row.status,
            sla_due_at=row.sla_due_on,
            sla_paused=row.sla_paused_since is not None,
            approvals_required=row.approvals_required,
            created_at=row.created_at,
            decided_at=row.decided_at,
        )


@strawberry.type
class LicensingCaseEdge:
    cursor: str
    node: LicensingCase


@strawberry.type
class LicensingCaseConnection:
    edges: list[LicensingCaseEdge]
    page_info: PageInfo
    queue: strawberry.Private[str | None]
    status: strawberry.Private[CaseStatus | None]

    @strawberry.field(description="Computed only when selected.")
    async def total_count(self, info: Info[Context, Any]) -> int:
        async with info.context.db.read() as session:
            return await cases_domain.count_cases(
                session, info.context.principal, self.queue, self.status
            )


async def load_case(info: Info[Context, Any], case_id: uuid.UUID) -> LicensingCase | None:
    async with info.context.db.read() as session:
        row = await cases_domain.get_case(session, info.context.principal, case_id)
    return LicensingCase.from_row(row) if row is not None else None


@strawberry.type
class LicensingQuery:
    @strawberry.field(description="Licensing cases, oldest first; filter by queue and status.")
    async def licensing_cases(
        self,
        info: Info[Context, Any],
        queue: str | None = None,
        status: CaseStatusEnum | None = None,  # type: ignore[valid-type]
        first: int | None = None,
        after: str | None = None,
    ) -> LicensingCaseConnection:
        require(info, REVIEW)
        size = page_size(info, first)
        try:
            async with info.context.db.read() as session:
                page = await cases_domain.list_cases(
                    session,
                    info.context.principal,
                    queue=queue,
                    status=status,
                    first=size,
                    after=after,
                )
        except DomainError as error:
            raise bad_input(error.problems[0].message) from error
        return LicensingCaseConnection(
            edges=[
                LicensingCaseEdge(cursor=c, node=LicensingCase.from_row(r))
                for r, c in zip(page.items, page.cursors, strict=True)
            ],
            page_info=page_info(page.cursors, page.has_next, after),
            queue=queue,
            status=status,
        )

    @strawberry.field(description="A licensing case, or null.")
    async def licensing_case(
        self, info: Info[Context, Any], id: strawberry.ID
    ) -> LicensingCase | None:
        require(info, REVIEW)
        case_id = id_of_type(id, "LicensingCase")
        return await load_case(info, case_id) if case_id else None


# ---------------------------------------------------------------- mutations


@strawberry.input
class DecideCaseInput:
    case_id: strawberry.ID
    decision: CaseDecisionEnum  # type: ignore[valid-type]
    reason: str = strawberry.field(
        description="Shown to the partner for REFUSE (the refusal reason) and REQUEST_INFO (the "
        "question); officers only for APPROVE."
    )
    internal_note: str | None = strawberry.field(default=None, description="Officers only.")


@strawberry.input
class AssignCaseInput:
    case_id: strawberry.ID
    assignee: str | None = strawberry.field(default=None, description="Default: the caller.")


@strawberry.type
class LicensingCasePayload:
    licensing_case: LicensingCase | None
    errors: list[UserError]


def _case_id(global_id: str) -> uuid.UUID:
    case_id = id_of_type(global_id, "LicensingCase")
    if case_id is None:
        raise not_found("licensing case", "caseId")
    return case_id


async def _case_payload(action: Callable[[], Awaitable[CaseRow]]) -> LicensingCasePayload:
    return await mutation_payload(
        action,
        lambda row: LicensingCasePayload(licensing_case=LicensingCase.from_row(row), errors=[]),
        lambda errors: LicensingCasePayload(licensing_case=None, errors=errors),
    )


@strawberry.type
class LicensingMutation:
    @strawberry.mutation(description="Licensing: APPROVE, REFUSE or REQUEST_INFO on a case.")
    async def decide_case(
        self, info: Info[Context, Any], input: DecideCaseInput
    ) -> LicensingCasePayload:
        require(info, REVIEW)
        ctx = info.context
        return await _case_payload(
            lambda: cases_domain.decide_case(
                ctx.db,
                ctx.principal,
                _case_id(input.case_id),
                input.decision,
                input.reason,
                input.internal_note,
            )
        )

    @strawberry.mutation(description="Licensing: assign a case to an officer.")
    async def assign_case(
        self, info: Info[Context, Any], input: AssignCaseInput
    ) -> LicensingCasePayload:
        require(info, REVIEW)
        ctx = info.context
        return await _case_payload(
            lambda: cases_domain.assign_case(
                ctx.db, ctx.principal, _case_id(input.case_id), input.assignee
            )
        )
