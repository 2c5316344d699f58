"""Licensing cases, officers' decisions and the versioned routing rule set."""

import uuid
from datetime import date, datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalog.core.enums import CaseDecisionKind, CaseStatus
from catalog.models.base import JSONType, created_field, enum_type, fk, id_field, timestamp_field


class RoutingRule(SQLModel, table=True):
    __tablename__ = "routing_rule"
    __table_args__ = (
        sa.CheckConstraint("tier >= 0", name="tier_non_negative"),
        sa.CheckConstraint("sla_working_days > 0", name="sla_positive"),
        sa.CheckConstraint("approvals_required >= 1", name="approvals_positive"),
        sa.Index("ix_routing_rule_active_tier", "active", "tier"),
    )

    id: uuid.UUID = id_field()
    name: str = Field(sa_type=sa.String(200))
    tier: int
    conditions: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    queue: str = Field(sa_type=sa.String(64))
    flags: list[str] = Field(default_factory=list, sa_type=JSONType)
    # Document kinds a case routed by this rule must carry before it can be approved.
    requires_documents: list[str] = Field(default_factory=list, sa_type=JSONType)
    sla_working_days: int
    approvals_required: int = Field(default=1)
    active: bool = Field(default=True)
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class RuleSetVersion(SQLModel, table=True):
    """Every change to the rules makes a new version holding a snapshot of the active rules."""

    __tablename__ = "rule_set_version"

    version: int = Field(primary_key=True, sa_column_kwargs={"autoincrement": False})
    created_at: datetime = created_field()
    created_by: str = Field(sa_type=sa.String(200))
    rules: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    # Queues, highest precedence first: among matching rules the listed queue wins.
    queue_precedence: list[str] = Field(default_factory=list, sa_type=JSONType)


class LicensingCase(SQLModel, table=True):
    __tablename__ = "licensing_case"
    __table_args__ = (
        sa.CheckConstraint("approvals_required >= 1", name="approvals_positive"),
        sa.Index("ix_licensing_case_queue_status_created", "queue", "status", "created_at", "id"),
    )

    id: uuid.UUID = id_field()
    quote_request_id: uuid.UUID = Field(
        foreign_key="quote_request.id", unique=True, ondelete="RESTRICT"
    )
    queue: str = Field(sa_type=sa.String(64))
    flags: list[str] = Field(default_factory=list, sa_type=JSONType)
    status: CaseStatus = Field(
        default=CaseStatus.OPEN, sa_type=enum_type(CaseStatus, "case_status")
    )
    sla_due_on: date | None = Field(default=None)
    sla_paused_since: datetime | None = timestamp_field()
    approvals_required: int = Field(default=1)
    assigned_to: str | None = Field(default=None, sa_type=sa.String(200))
    rule_set_version: int = Field(
        foreign_key="rule_set_version.version", ondelete="RESTRICT", index=True
    )
    routing: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    # Earlier routing decisions (oldest first) when the case was routed again, e.g. for an
    # offer above the licensed value; `routing` is always the current one.
    routing_history: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    # Approvals count within one review round; an offer review starts a new round.
    review_round: int = Field(default=1)
    # While ON_HOLD: the status the case left and the causes holding it.
    held_from: CaseStatus | None = Field(
        default=None, sa_type=enum_type(CaseStatus, "held_from_status")
    )
    hold_causes: list[str] = Field(default_factory=list, sa_type=JSONType)
    created_at: datetime = created_field()
    updated_at: datetime = created_field()
    decided_at: datetime | None = timestamp_field()


class CaseDecision(SQLModel, table=True):
    __tablename__ = "case_decision"

    id: uuid.UUID = id_field()
    case_id: uuid.UUID = fk("licensing_case.id")
    officer: str = Field(sa_type=sa.String(200))
    officer_org_id: uuid.UUID = fk("organisation.id", index=False)
    # The person who decided (`officer` keeps their name as it was); four-eyes counts these.
    officer_id: uuid.UUID | None = fk("officer.id", nullable=True, index=False)
    decision: CaseDecisionKind = Field(sa_type=enum_type(CaseDecisionKind, "case_decision_kind"))
    reason: str = Field(sa_type=sa.Text)
    # Seen by licensing officers only, never by the partner or the manufacturer.
    internal_note: str | None = Field(default=None, sa_type=sa.Text)
    review_round: int = Field(default=1)
    created_at: datetime = created_field()
