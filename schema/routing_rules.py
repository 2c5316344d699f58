"""Routing rules over GraphQL: list, create, update, disable (each makes a rule-set version)
and simulate routing with the current rules. Licensing officers with `licensing:rules`."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.enums import ProductCategory, TechTransfer
from catalog.core.errors import DomainError, not_found
from catalog.licensing import rules as rules_domain
from catalog.licensing.routing import CONDITION_KEYS
from catalog.models import RoutingRule as RuleRow
from catalog.models.base import utcnow
from schema.context import Context
from schema.errors import UserError, user_errors
from schema.licensing import RoutingDecision
from schema.permissions import require
from schema.products import ProductCategoryEnum, TechTransferEnum
from schema.relay import Node, bad_input, id_of_type, to_global_id

RULES = "licensing:rules"


@strawberry.type
class RoutingConditions:
    categories: list[ProductCategoryEnum] | None  # type: ignore[valid-type]
    control_entry_prefixes: list[str] | None
    destination_countries: list[str] | None
    destination_groups: list[str] | None
    min_quantity: int | None
    min_value_eur: Decimal | None
    tech_transfer: list[TechTransferEnum] | None  # type: ignore[valid-type]
    co_production: bool | None
    re_export: bool | None


@strawberry.input(description="A rule's conditions; all given conditions must hold (AND).")
class RoutingConditionsInput:
    categories: list[ProductCategoryEnum] | None = None  # type: ignore[valid-type]
    control_entry_prefixes: list[str] | None = None
    destination_countries: list[str] | None = None
    destination_groups: list[str] | None = None
    min_quantity: int | None = None
    min_value_eur: Decimal | None = None
    tech_transfer: list[TechTransferEnum] | None = None  # type: ignore[valid-type]
    co_production: bool | None = None
    re_export: bool | None = None

    def to_domain(self) -> dict[str, Any]:
        conditions: dict[str, Any] = {}
        for key in CONDITION_KEYS:
            value = getattr(self, key)
            if value is None:
                continue
            if isinstance(value, list):
                value = [str(v) for v in value]
            if isinstance(value, Decimal) and value == value.to_integral_value():
                value = int(value)
            conditions[key] = value
        return conditions


@strawberry.type
class RoutingRule(Node):
    name: str
    tier: int
    conditions: RoutingConditions
    queue: str
    flags: list[str]
    sla_working_days: int
    approvals_required: int
    active: bool
    updated_at: datetime

    @classmethod
    def from_row(cls, row: RuleRow) -> "RoutingRule":
        known = {k: row.conditions.get(k) for k in CONDITION_KEYS}
        if known["categories"] is not None:
            known["categories"] = [ProductCategory(v) for v in known["categories"]]
        if known["tech_transfer"] is not None:
            known["tech_transfer"] = [TechTransfer(v) for v in known["tech_transfer"]]
        return cls(
            id=to_global_id("RoutingRule", row.id),
            name=row.name,
            tier=row.tier,
            conditions=RoutingConditions(**known),
            queue=row.queue,
            flags=list(row.flags),
            sla_working_days=row.sla_working_days,
            approvals_required=row.approvals_required,
            active=row.active,
            updated_at=row.updated_at,
        )


@strawberry.input
class SimulateRoutingInput:
    quantity: int
    partner_country: str
    delivery_country: str
    co_production: bool = False
    product_id: strawberry.ID | None = None
    category: ProductCategoryEnum | None = None  # type: ignore[valid-type]
    control_entry: str | None = None
    tech_transfer: TechTransferEnum | None = None  # type: ignore[valid-type]
    unit_price_eur: Decimal | None = None


async def load_rule(info: Info[Context, Any], rule_id: uuid.UUID) -> RoutingRule | None:
    async with info.context.db.read() as session:
        row = await rules_domain.get_rule(session, info.context.principal, rule_id)
    return RoutingRule.from_row(row) if row is not None else None


@strawberry.type
class RoutingRuleQuery:
    @strawberry.field(description="Routing rules, lowest tier first.")
    async def routing_rules(
        self, info: Info[Context, Any], include_disabled: bool = False
    ) -> list[RoutingRule]:
        require(info, RULES)
        async with info.context.db.read() as session:
            rows = await rules_domain.list_rules(session, include_inactive=include_disabled)
        return [RoutingRule.from_row(r) for r in rows]

    @strawberry.field(description="Route hypothetical facts with the current rules; no writes.")
    async def simulate_routing(
        self, info: Info[Context, Any], input: SimulateRoutingInput
    ) -> RoutingDecision:
        require(info, RULES)
        product_id = None
        if input.product_id is not None:
            product_id = id_of_type(input.product_id, "Product") or uuid.UUID(int=0)
        given = rules_domain.SimulationInput(
            quantity=input.quantity,
            partner_country=input.partner_country,
            delivery_country=input.delivery_country,
            co_production=input.co_production,
            product_id=product_id,
            category=input.category,
            control_entry=input.control_entry,
            tech_transfer=input.tech_transfer,
            unit_price_eur=input.unit_price_eur,
        )
        try:
            async with info.context.db.read() as session:
                decision = await rules_domain.simulate_routing(
                    session, info.context.principal, given, utcnow().date()
                )
        except DomainError as error:
            raise bad_input(error.problems[0].message) from error
        return RoutingDecision.from_json(decision.to_json())


# ---------------------------------------------------------------- mutations


@strawberry.input
class CreateRoutingRuleInput:
    name: str
    tier: int
    conditions: RoutingConditionsInput
    queue: str
    sla_working_days: int
    flags: list[str] | None = None
    approvals_required: int = 1


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
    for name in names:
        value = getattr(source, name, strawberry.UNSET)  # create has no `active`
        if value is not strawberry.UNSET:
            setattr(draft, name, value)
            draft.given.add(name)
    if source.conditions is not strawberry.UNSET:
        draft.conditions = source.conditions.to_domain() if source.conditions else None
        draft.given.add("conditions")
    return draft


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
