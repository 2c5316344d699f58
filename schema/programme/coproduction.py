"""Build with Ukraine over GraphQL: co-production requests, their decisions, production lines."""

from collections.abc import Awaitable, Callable
from datetime import date, datetime
from typing import Any, TypeAlias

import strawberry
from strawberry.types import Info

from catalog.access import sees_cases
from catalog.core.enums import CoProductionStatus
from catalog.models import CoProductionRequest as RequestRow
from catalog.models import ProductionLine as LineRow
from catalog.models.base import utcnow
from catalog.programme import coproduction as domain
from schema.context import Context
from schema.errors import UserError, mutation_payload
from schema.licensing.types import CaseDecisionEnum, RoutingDecision
from schema.permissions import require
from schema.products.types import Product, load_visible_product
from schema.programme.mutations import id_or_not_found
from schema.relay import page_size, to_global_id

strawberry.enum(CoProductionStatus, name="CoProductionStatus")
CoProductionStatusEnum: TypeAlias = CoProductionStatus


@strawberry.type(description="A request to produce a product under licence in a partner country.")
class CoProductionRequest:
    row: strawberry.Private[RequestRow]
    id: strawberry.ID
    status: CoProductionStatusEnum
    production_country: str
    local_partner_name: str
    planned_units_per_year: int
    technology_scope: list[str]
    queue: str
    sla_due_at: date | None
    approvals_required: int
    approvals_given: int
    refusal_reason: str | None = strawberry.field(description="Why it was refused (shown).")
    created_at: datetime
    decided_at: datetime | None

    @strawberry.field
    async def product(self, info: Info[Context, Any]) -> Product | None:
        return await load_visible_product(info, self.row.product_id)

    @strawberry.field(description="Past its SLA due date and still under review.")
    def overdue(self) -> bool:
        due = self.row.sla_due_on
        pending = self.row.status is CoProductionStatus.TECH_TRANSFER_REVIEW
        return pending and due is not None and utcnow().date() > due

    @strawberry.field(description="Licensing officers only (null for others).")
    def flags(self, info: Info[Context, Any]) -> list[str] | None:
        return list(self.row.flags) if sees_cases(info.context.principal) else None

    @strawberry.field(description="The routing decision with its explanation (officers only).")
    def routing(self, info: Info[Context, Any]) -> RoutingDecision | None:
        if not sees_cases(info.context.principal):
            return None
        return RoutingDecision.from_json(self.row.routing)

    @classmethod
    def from_row(cls, row: RequestRow) -> "CoProductionRequest":
        return cls(
            row=row,
            id=to_global_id("CoProductionRequest", row.id),
            status=row.status,
            production_country=row.production_country,
            local_partner_name=row.local_partner_name,
            planned_units_per_year=row.planned_units_per_year,
            technology_scope=list(row.technology_scope),
            queue=row.queue,
            sla_due_at=row.sla_due_on,
            approvals_required=row.approvals_required,
            approvals_given=len(row.approvals),
            refusal_reason=row.refusal_reason,
            created_at=row.created_at,
            decided_at=row.decided_at,
        )


@strawberry.type(description="A licensed Build with Ukraine production line abroad.")
class ProductionLine:
    row: strawberry.Private[LineRow]
    id: strawberry.ID
    country: str
    local_partner_name: str
    since: date

    @strawberry.field
    async def product(self, info: Info[Context, Any]) -> Product | None:
        return await load_visible_product(info, self.row.product_id)

    @classmethod
    def from_row(cls, row: LineRow) -> "ProductionLine":
        return cls(
            row=row,
            id=to_global_id("ProductionLine", row.id),
            country=row.country,
            local_partner_name=row.local_partner_name,
            since=row.since,
        )


@strawberry.input
class RequestCoProductionInput:
    product_id: strawberry.ID
    production_country: str
    local_partner_name: str
    planned_units_per_year: int
    technology_scope: list[str] = strawberry.field(
        description="The parts of the product's technology needed (e.g. 'airframe')."
    )
    idempotency_key: str


@strawberry.input
class DecideCoProductionInput:
    co_production_request_id: strawberry.ID
    decision: CaseDecisionEnum
    reason: str


@strawberry.type
class CoProductionRequestPayload:
    co_production_request: CoProductionRequest | None
    errors: list[UserError]


async def _payload(action: Callable[[], Awaitable[RequestRow]]) -> CoProductionRequestPayload:
    return await mutation_payload(
        action,
        lambda row: CoProductionRequestPayload(
            co_production_request=CoProductionRequest.from_row(row), errors=[]
        ),
        lambda errors: CoProductionRequestPayload(co_production_request=None, errors=errors),
    )


@strawberry.type
class CoProductionMutation:
    @strawberry.mutation(
        description="Partner: ask to produce a product under licence in a partner country; "
        "routed into licensing (sensitive technology is refused by a hard gate)."
    )
    async def request_co_production(
        self, info: Info[Context, Any], input: RequestCoProductionInput
    ) -> CoProductionRequestPayload:
        require(info, "quotes:request")
        ctx = info.context

        async def action() -> RequestRow:
            given = domain.CoProductionInput(
                product_id=id_or_not_found(input.product_id, "Product", "product", "productId"),
                production_country=input.production_country,
                local_partner_name=input.local_partner_name,
                planned_units_per_year=input.planned_units_per_year,
                technology_scope=input.technology_scope,
                idempotency_key=input.idempotency_key,
            )
            return await domain.request_co_production(ctx.db, ctx.principal, given)

        return await _payload(action)

    @strawberry.mutation(description="Licensing: APPROVE (four-eyes) or REFUSE a request.")
    async def decide_co_production(
        self, info: Info[Context, Any], input: DecideCoProductionInput
    ) -> CoProductionRequestPayload:
        require(info, "licensing:review")
        ctx = info.context

        async def action() -> RequestRow:
            request_id = id_or_not_found(
                input.co_production_request_id,
                "CoProductionRequest",
                "co-production request",
                "coProductionRequestId",
            )
            return await domain.decide_co_production(
                ctx.db, ctx.principal, request_id, input.decision, input.reason
            )

        return await _payload(action)


@strawberry.type
class CoProductionQuery:
    @strawberry.field(
        description="Co-production requests, newest first: a partner's own, a manufacturer's "
        "products', every one for curators and licensing."
    )
    async def co_production_requests(
        self,
        info: Info[Context, Any],
        status: CoProductionStatusEnum | None = None,
        first: int | None = None,
    ) -> list[CoProductionRequest]:
        require(info, "catalog:read")
        size = page_size(info, first)
        async with info.context.db.read() as session:
            rows = await domain.list_requests(session, info.context.principal, status, size)
        return [CoProductionRequest.from_row(r) for r in rows]

    @strawberry.field(description="Licensed production lines abroad (of products you may see).")
    async def production_lines(
        self, info: Info[Context, Any], country: str | None = None
    ) -> list[ProductionLine]:
        require(info, "catalog:read")
        async with info.context.db.read() as session:
            rows = await domain.list_lines(session, info.context.principal, country)
        return [ProductionLine.from_row(r) for r in rows]
