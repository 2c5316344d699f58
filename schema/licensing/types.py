"""Licensing as officers see it: cases with their routing decision and decisions, and the
routing rules."""

import uuid
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Annotated, Any, TypeAlias

import strawberry
from strawberry.types import Info

from catalog.core.enums import (
    CaseDecisionKind,
    CaseStatus,
    DocumentKind,
    ProductCategory,
    TechTransfer,
)
from catalog.licensing import cases as cases_domain
from catalog.licensing import rules as rules_domain
from catalog.licensing.conditions import CONDITION_KEYS
from catalog.licensing.intake import CaseRow
from catalog.licensing.sla import is_overdue
from catalog.models import CaseDecision as CaseDecisionRow
from catalog.models import RoutingRule as RuleRow
from catalog.models.base import utcnow
from schema.context import Context
from schema.documents.types import DocumentKindEnum
from schema.errors import forbidden
from schema.loaders import case_decisions_loader, officer_loader, quote_loader
from schema.organisations.officers import Officer, officer_global_id
from schema.products.types import ProductCategoryEnum, TechTransferEnum
from schema.relay import Node, lazy_type, to_global_id

if TYPE_CHECKING:
    from schema.quotes.types import QuoteRequest

QUOTE_TYPES = "schema.quotes.types"


# strawberry.enum registers the class in place and returns it; the alias is the same
# class under a name mypy accepts as a type.
strawberry.enum(CaseStatus, name="CaseStatus")
CaseStatusEnum: TypeAlias = CaseStatus


strawberry.enum(CaseDecisionKind, name="CaseDecision")
CaseDecisionEnum: TypeAlias = CaseDecisionKind


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
    queue_reason: str = strawberry.field(
        description="Why this queue was chosen among the matching rules' queues."
    )
    rule_set_version: int
    flags: list[str]
    sla_working_days: int
    sla_due_at: date
    approvals_required: int
    refused: bool
    refusal_reason: str | None
    value_eur: Decimal | None = strawberry.field(
        description="The value routed on (null: unknown, treated as meeting value thresholds)."
    )
    explanation: list[RuleEvaluation]
    requires_documents: list[DocumentKindEnum] = strawberry.field(
        description="Document kinds the case must carry before it can be approved (those of "
        "the matching rules of the chosen queue)."
    )

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> "RoutingDecision":
        value = data.get("value_eur")
        return cls(
            queue=data["queue"],
            # Decisions stored before queue precedence existed carry no reason.
            queue_reason=data.get("queue_reason") or "lowest tier of the matching rules",
            value_eur=Decimal(value) if value is not None else None,
            rule_set_version=data["rule_set_version"],
            flags=list(data["flags"]),
            sla_working_days=data["sla_working_days"],
            sla_due_at=date.fromisoformat(data["sla_due_on"]),
            approvals_required=data["approvals_required"],
            refused=data["refused"],
            refusal_reason=data["refusal_reason"],
            requires_documents=[DocumentKind(k) for k in data.get("requires_documents") or []],
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
    decision: CaseDecisionEnum
    officer: str = strawberry.field(description="The name of the officer who decided.")
    officer_id: strawberry.ID | None = strawberry.field(
        description="The officer's id (null for decisions recorded before officers were named)."
    )
    reason: str
    internal_note: str | None
    created_at: datetime

    @classmethod
    def from_row(cls, row: CaseDecisionRow) -> "CaseDecisionRecord":
        return cls(
            decision=row.decision,
            officer=row.officer,
            officer_id=officer_global_id(row.officer_id) if row.officer_id else None,
            reason=row.reason,
            internal_note=row.internal_note,
            created_at=row.created_at,
        )


@strawberry.type
class LicensingCase(Node):
    row: strawberry.Private[CaseRow]
    queue: str
    status: CaseStatusEnum
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

    @strawberry.field(
        description="The routing flags (RE_EXPORT, TECH_TRANSFER, EMBARGOED, "
        "NOT_A_PARTNER_COUNTRY and the rules' own), DOCUMENT_MISSING while a document the "
        "routing requires is not attached to the quote, OFFER_ABOVE_LICENSED_VALUE or "
        "OFFER_CURRENCY_REVIEW after an offer review, and while held the hold causes. "
        "Licensing officers only."
    )
    def flags(self, info: Info[Context, Any]) -> list[str]:
        _officer_only(info)
        return list(self.row.flags)

    @strawberry.field(description="The assigned officer's name. Licensing officers only.")
    async def assigned_to(self, info: Info[Context, Any]) -> str | None:
        officer = await self.assigned_officer(info)
        return officer.name if officer is not None else self.row.assigned_to

    @strawberry.field(description="The officer the case is assigned to. Licensing officers only.")
    async def assigned_officer(self, info: Info[Context, Any]) -> Officer | None:
        _officer_only(info)
        try:
            # Assignments made before officers were people name a client, not an officer.
            officer_id = uuid.UUID(self.row.assigned_to or "")
        except ValueError:
            return None
        row = await officer_loader(info).load(officer_id)
        return Officer.from_row(row) if row is not None else None

    @strawberry.field(description="Why the case is in its queue. Licensing officers only.")
    def routing(self, info: Info[Context, Any]) -> RoutingDecision:
        _officer_only(info)
        return RoutingDecision.from_json(self.row.routing)

    @strawberry.field(
        description="Every routing decision of the case, oldest first; the last is `routing`. "
        "A case is routed again when an offer exceeds the licensed value. Officers only."
    )
    def routing_history(self, info: Info[Context, Any]) -> list[RoutingDecision]:
        _officer_only(info)
        return [RoutingDecision.from_json(d) for d in [*self.row.routing_history, self.row.routing]]

    @strawberry.field(
        description="While ON_HOLD: the causes holding it (RELEASE_REVOKED, PRODUCT_SUSPENDED, "
        "PARTNER_SUSPENDED, EMBARGOED, NOT_A_PARTNER_COUNTRY, NOT_VISIBLE); when CLOSED with its "
        "listing: PRODUCT_WITHDRAWN. Licensing officers only."
    )
    def hold_causes(self, info: Info[Context, Any]) -> list[str]:
        _officer_only(info)
        return list(self.row.hold_causes)

    @strawberry.field(
        description="While ON_HOLD: the status it returns to when the causes are lifted. "
        "Licensing officers only."
    )
    def held_from(self, info: Info[Context, Any]) -> CaseStatusEnum | None:
        _officer_only(info)
        return self.row.held_from

    @strawberry.field(
        description="Counts the reviews of the case: an offer above the licensed value starts "
        "a new one, and approvals count within one review. Licensing officers only."
    )
    def review_round(self, info: Info[Context, Any]) -> int:
        _officer_only(info)
        return self.row.review_round

    @strawberry.field(description="Officers' decisions, oldest first. Licensing officers only.")
    async def decisions(self, info: Info[Context, Any]) -> list[CaseDecisionRecord]:
        _officer_only(info)
        rows = await case_decisions_loader(info).load(self.row.id)
        return [CaseDecisionRecord.from_row(r) for r in rows]

    @strawberry.field
    async def quote_request(
        self, info: Info[Context, Any]
    ) -> Annotated["QuoteRequest", strawberry.lazy(QUOTE_TYPES)] | None:
        row = await quote_loader(info).load(self.row.quote_request_id)
        if row is None:
            return None
        quote_type: type[QuoteRequest] = lazy_type(QUOTE_TYPES, "QuoteRequest")
        return quote_type.from_row(row)

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


async def load_case(info: Info[Context, Any], case_id: uuid.UUID) -> LicensingCase | None:
    async with info.context.db.read() as session:
        row = await cases_domain.get_case(session, info.context.principal, case_id)
    return LicensingCase.from_row(row) if row is not None else None


RULES = "licensing:rules"


@strawberry.type
class RoutingConditions:
    categories: list[ProductCategoryEnum] | None
    control_entry_prefixes: list[str] | None
    destination_countries: list[str] | None
    destination_groups: list[str] | None
    min_quantity: int | None
    min_value_eur: Decimal | None
    tech_transfer: list[TechTransferEnum] | None
    co_production: bool | None
    re_export: bool | None


@strawberry.input(description="A rule's conditions; all given conditions must hold (AND).")
class RoutingConditionsInput:
    categories: list[ProductCategoryEnum] | None = None
    control_entry_prefixes: list[str] | None = None
    destination_countries: list[str] | None = None
    destination_groups: list[str] | None = None
    min_quantity: int | None = None
    min_value_eur: Decimal | None = None
    tech_transfer: list[TechTransferEnum] | None = None
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
            if isinstance(value, Decimal):
                value = _whole(value)
            conditions[key] = value
        return conditions


def _whole(value: Decimal) -> int | Decimal:
    """A whole amount as an int (rules hold whole euros); anything else (a fraction, NaN, an
    infinity, more digits than any amount has) as it is, for the domain to refuse. Checked in
    this order because comparing a signalling NaN, or making a huge exponent integral, raises."""
    if value.is_finite() and value.adjusted() < 18 and value == value.to_integral_value():
        return int(value)
    return value


@strawberry.type
class RoutingRule(Node):
    name: str
    tier: int
    conditions: RoutingConditions
    queue: str
    flags: list[str]
    requires_documents: list[DocumentKindEnum] = strawberry.field(
        description="Document kinds a case routed by this rule must carry before approval."
    )
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
            requires_documents=[DocumentKind(k) for k in row.requires_documents or []],
            sla_working_days=row.sla_working_days,
            approvals_required=row.approvals_required,
            active=row.active,
            updated_at=row.updated_at,
        )


async def load_rule(info: Info[Context, Any], rule_id: uuid.UUID) -> RoutingRule | None:
    async with info.context.db.read() as session:
        row = await rules_domain.get_rule(session, info.context.principal, rule_id)
    return RoutingRule.from_row(row) if row is not None else None
