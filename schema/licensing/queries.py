"""Licensing queries: the case queues, the routing rules, and routing a hypothetical quote."""

import uuid
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.errors import DomainError
from catalog.licensing import cases as cases_domain
from catalog.licensing import facts as facts_domain
from catalog.licensing import rules as rules_domain
from catalog.models.base import utcnow
from schema.context import Context
from schema.licensing.types import (
    REVIEW,
    RULES,
    CaseStatusEnum,
    LicensingCase,
    RoutingDecision,
    RoutingRule,
    load_case,
)
from schema.permissions import require
from schema.products.types import ProductCategoryEnum, TechTransferEnum
from schema.relay import Connection, bad_input, connection, id_of_type, page_size


@strawberry.type
class LicensingQuery:
    @strawberry.field(description="Licensing cases, oldest first; filter by queue and status.")
    async def licensing_cases(
        self,
        info: Info[Context, Any],
        queue: str | None = None,
        status: CaseStatusEnum | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[LicensingCase]:
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
        principal = info.context.principal
        return connection(
            [LicensingCase.from_row(r) for r in page.items],
            page,
            after,
            lambda session: cases_domain.count_cases(session, principal, queue, status),
        )

    @strawberry.field(description="A licensing case, or null.")
    async def licensing_case(
        self, info: Info[Context, Any], id: strawberry.ID
    ) -> LicensingCase | None:
        require(info, REVIEW)
        case_id = id_of_type(id, "LicensingCase")
        return await load_case(info, case_id) if case_id else None


@strawberry.input
class SimulateRoutingInput:
    quantity: int
    partner_country: str
    delivery_country: str
    co_production: bool = False
    product_id: strawberry.ID | None = None
    category: ProductCategoryEnum | None = None
    control_entry: str | None = None
    tech_transfer: TechTransferEnum | None = None
    unit_price_eur: Decimal | None = None


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

    @strawberry.field(
        description="The current queue precedence, highest first: among matching rules the "
        "listed queue wins; unlisted queues rank below every listed one."
    )
    async def queue_precedence(self, info: Info[Context, Any]) -> list[str]:
        require(info, RULES)
        async with info.context.db.read() as session:
            rule_set = await rules_domain.current_rule_set(session)
        return list(rule_set.queue_precedence)

    @strawberry.field(
        description="Route hypothetical facts with the current rules, through the same hard "
        "gates as requestQuote (embargo, partner-country list); no writes."
    )
    async def simulate_routing(
        self, info: Info[Context, Any], input: SimulateRoutingInput
    ) -> RoutingDecision:
        require(info, RULES)
        product_id = None
        if input.product_id is not None:
            product_id = id_of_type(input.product_id, "Product") or uuid.UUID(int=0)
        given = facts_domain.SimulationInput(
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
                decision = await facts_domain.simulate_routing(
                    session, info.context.principal, given, utcnow().date()
                )
        except DomainError as error:
            raise bad_input(error.problems[0].message) from error
        return RoutingDecision.from_json(decision.to_json())
