"""Officers' decisions on cases: approve, refuse, request information; assignment."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.errors import DomainError, not_found
from catalog.licensing import cases as cases_domain
from catalog.licensing import rules as rules_domain
from catalog.licensing.intake import CaseRow
from catalog.models import RoutingRule as RuleRow
from schema.context import Context
from schema.documents.types import DocumentKindEnum
from schema.errors import UserError, mutation_payload, user_errors
from schema.licensing.types import (
    REVIEW,
    RULES,
    CaseDecisionEnum,
    LicensingCase,
    RoutingConditionsInput,
    RoutingRule,
)
from schema.organisations.officers import officer_id_of
from schema.permissions import require
from schema.relay import id_of_type


@strawberry.input
class DecideCaseInput:
    case_id: strawberry.ID
    decision: CaseDecisionEnum
    reason: str = strawberry.field(
        description="Shown to the partner for REFUSE (the refusal reason) and REQUEST_INFO (the "
        "question); officers only for APPROVE."
    )
    internal_note: str | None = strawberry.field(default=None, description="Officers only.")


@strawberry.input
class AssignCaseInput:
    case_id: strawberry.ID
    officer_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="An officer of a licensing organisation (NOT_FOUND otherwise). Default: "
        "the officer the caller acts for.",
    )


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
    @strawberry.mutation(
        description="Licensing: APPROVE, REFUSE or REQUEST_INFO on a case. Approving re-checks "
        "the export-control invariants (NOT_ALLOWED) and the surplus (INSUFFICIENT_UNITS); a "
        "case ON_HOLD can only be refused."
    )
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
                ctx.db, ctx.principal, _case_id(input.case_id), officer_id_of(input.officer_id)
            )
        )


@strawberry.input
class CreateRoutingRuleInput:
    name: str
    tier: int
    conditions: RoutingConditionsInput
    queue: str
    sla_working_days: int
    flags: list[str] | None = None
    approvals_required: int = 1
    requires_documents: list[DocumentKindEnum] | None = strawberry.field(
        default=None, description="Document kinds a case routed by this rule must carry."
    )


@strawberry.input
class UpdateRoutingRuleInput:
    rule_id: strawberry.ID
    name: str | None = strawberry.UNSET
    tier: int | None = strawberry.UNSET
    conditions: RoutingConditionsInput | None = strawberry.UNSET
    queue: str | None = strawberry.UNSET
    flags: list[str] | None = strawberry.UNSET
    sla_working_days: int | None = strawberry.UNSET
    approvals_required: int | None = strawberry.UNSET
    requires_documents: list[DocumentKindEnum] | None = strawberry.UNSET
    active: bool | None = strawberry.field(
        default=strawberry.UNSET, description="true re-enables a disabled rule"
    )


@strawberry.input
class DisableRoutingRuleInput:
    rule_id: strawberry.ID


@strawberry.type
class RoutingRulePayload:
    routing_rule: RoutingRule | None
    rule_set_version: int | None  # the rule-set version this change made
    errors: list[UserError]


def _rule_id(global_id: str) -> uuid.UUID:
    rule_id = id_of_type(global_id, "RoutingRule")
    if rule_id is None:
        raise not_found("routing rule", "ruleId")
    return rule_id


async def _rule_payload(
    action: Callable[[], Awaitable[tuple[RuleRow, int]]],
) -> RoutingRulePayload:
    try:
        row, version = await action()
    except DomainError as error:
        return RoutingRulePayload(
            routing_rule=None, rule_set_version=None, errors=user_errors(error)
        )
    return RoutingRulePayload(
        routing_rule=RoutingRule.from_row(row), rule_set_version=version, errors=[]
    )


def _rule_draft(source: CreateRoutingRuleInput | UpdateRoutingRuleInput) -> rules_domain.RuleDraft:
    draft = rules_domain.RuleDraft()
    names = ("name", "tier", "queue", "flags", "sla_working_days", "approvals_required", "active")
    for name in (*names, "requires_documents"):
        value = getattr(source, name, strawberry.UNSET)  # create has no `active`
        if name == "requires_documents" and value:
            value = [str(kind) for kind in value]
        if value is not strawberry.UNSET:
            setattr(draft, name, value)
            draft.given.add(name)
    if source.conditions is not strawberry.UNSET:
        draft.conditions = source.conditions.to_domain() if source.conditions else None
        draft.given.add("conditions")
    return draft


@strawberry.input
class SetQueuePrecedenceInput:
    queues: list[str] = strawberry.field(description="Highest precedence first.")


@strawberry.type
class QueuePrecedencePayload:
    queue_precedence: list[str] | None
    rule_set_version: int | None  # the rule-set version this change made
    errors: list[UserError]


@strawberry.type
class RoutingRuleMutation:
    @strawberry.mutation(description="Licensing: add a routing rule (makes a rule-set version).")
    async def create_routing_rule(
        self, info: Info[Context, Any], input: CreateRoutingRuleInput
    ) -> RoutingRulePayload:
        require(info, RULES)
        ctx = info.context
        return await _rule_payload(
            lambda: rules_domain.create_rule(ctx.db, ctx.principal, _rule_draft(input))
        )

    @strawberry.mutation(description="Licensing: change a routing rule (makes a version).")
    async def update_routing_rule(
        self, info: Info[Context, Any], input: UpdateRoutingRuleInput
    ) -> RoutingRulePayload:
        require(info, RULES)
        ctx = info.context
        return await _rule_payload(
            lambda: rules_domain.update_rule(
                ctx.db, ctx.principal, _rule_id(input.rule_id), _rule_draft(input)
            )
        )

    @strawberry.mutation(description="Licensing: disable a routing rule (makes a version).")
    async def disable_routing_rule(
        self, info: Info[Context, Any], input: DisableRoutingRuleInput
    ) -> RoutingRulePayload:
        require(info, RULES)
        ctx = info.context
        return await _rule_payload(
            lambda: rules_domain.disable_rule(ctx.db, ctx.principal, _rule_id(input.rule_id))
        )

    @strawberry.mutation(
        description="Licensing: set the queue precedence, highest first (makes a rule-set "
        "version). Among matching rules the listed queue wins and its SLA applies."
    )
    async def set_queue_precedence(
        self, info: Info[Context, Any], input: SetQueuePrecedenceInput
    ) -> QueuePrecedencePayload:
        require(info, RULES)
        ctx = info.context
        try:
            queues, version = await rules_domain.set_queue_precedence(
                ctx.db, ctx.principal, input.queues
            )
        except DomainError as error:
            return QueuePrecedencePayload(
                queue_precedence=None, rule_set_version=None, errors=user_errors(error)
            )
        return QueuePrecedencePayload(queue_precedence=queues, rule_set_version=version, errors=[])
