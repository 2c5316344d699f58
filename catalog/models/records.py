"""The append-only audit log (hash-chained), the transactional outbox, and the records a write
commits for the chain's single appender to link (catalog/core/appender.py)."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalog.models.base import JSONType, created_field


class AuditEvent(SQLModel, table=True):
    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_event_entity", "entity_id", "id"),)

    id: int | None = Field(
        default=None, sa_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    occurred_at: datetime = created_field()
    actor: str = Field(sa_type=sa.String(200))
    actor_org_id: uuid.UUID | None = Field(default=None)
    action: str = Field(sa_type=sa.String(64))
    entity_type: str = Field(sa_type=sa.String(32))
    entity_id: str = Field(sa_type=sa.String(64))
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    prev_hash: str = Field(sa_type=sa.String(64))
    hash: str = Field(sa_type=sa.String(64), unique=True)


class OutboxEvent(SQLModel, table=True):
    """Rows are appended by the chain's appender under the audit lock (from `AuditPending`),
    so ids grow in commit order and a consumer may safely remember the last id it processed."""

    __tablename__ = "outbox_event"

    id: int | None = Field(
        default=None, sa_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    created_at: datetime = created_field()
    topic: str = Field(sa_type=sa.String(64), index=True)
    entity_type: str = Field(sa_type=sa.String(32))
    entity_id: str = Field(sa_type=sa.String(64))
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class AuditPending(SQLModel, table=True):
    """A write's audit event or outbox row, committed with its business change and waiting for
    the chain's appender (catalog/core/appender.py), which links audit events into
    `audit_event`, moves outbox rows into `outbox_event` (so that outbox ids keep commit order
    without a lock in the write itself) and deletes them. The columns have the types of those
    tables, so a row a write could commit is a row the appender can always insert."""

    __tablename__ = "audit_pending"

    id: int | None = Field(
        default=None, sa_type=sa.BigInteger().with_variant(sa.Integer(), "sqlite"), primary_key=True
    )
    outbox: bool = False  # an outbox row: `action` is its topic, `data` its payload
    occurred_at: datetime = created_field()
    actor: str = Field(sa_type=sa.String(200))
    actor_org_id: uuid.UUID | None = Field(default=None)
    action: str = Field(sa_type=sa.String(64))
    entity_type: str = Field(sa_type=sa.String(32))
    entity_id: str = Field(sa_type=sa.String(64))
    data: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)


class OutboxCursor(SQLModel, table=True):
    """How far each consumer (indexer, notifier) has processed the outbox."""

    __tablename__ = "outbox_cursor"

    consumer: str = Field(sa_type=sa.String(64), primary_key=True)
    last_event_id: int = Field(default=0, sa_type=sa.BigInteger)
    updated_at: datetime = created_field()
