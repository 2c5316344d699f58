"""Webhook endpoints registered by organisations and the deliveries made to them."""

import uuid
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalog.models.base import JSONType, created_field, enum_type, fk, id_field, timestamp_field


class DeliveryStatus(StrEnum):
    PENDING = "PENDING"
    DELIVERED = "DELIVERED"
    FAILED = "FAILED"  # gave up after the last retry
    CANCELLED = "CANCELLED"  # the endpoint was deleted or may no longer receive it


class WebhookEndpoint(SQLModel, table=True):
    __tablename__ = "webhook_endpoint"

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = fk("organisation.id")
    url: str = Field(sa_type=sa.String(2000))
    events: list[str] = Field(default_factory=list, sa_type=JSONType)
    # Kept as given: the signature needs it. Shown to the caller once, at creation or rotation.
    secret: str = Field(sa_type=sa.String(128))
    # After a rotation the previous secret signs too, until it expires (the grace period).
    previous_secret: str | None = Field(default=None, sa_type=sa.String(128))
    previous_secret_expires_at: datetime | None = timestamp_field()
    created_by: str = Field(sa_type=sa.String(200))
    created_at: datetime = created_field()
    deleted_at: datetime | None = timestamp_field()


class WebhookDelivery(SQLModel, table=True):
    """One event for one endpoint. Its id travels as `webhook-id`, so a receiver can recognise
    a repeat; the payload is fixed when the delivery is created, so every retry sends the same
    body."""

    __tablename__ = "webhook_delivery"
    __table_args__ = (
        sa.UniqueConstraint("endpoint_id", "event_id"),
        sa.Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
    )

    id: uuid.UUID = id_field()
    endpoint_id: uuid.UUID = fk("webhook_endpoint.id", index=False)
    event_id: int = Field(sa_type=sa.BigInteger)
    event: str = Field(sa_type=sa.String(64))
    payload: dict[str, Any] = Field(default_factory=dict, sa_type=JSONType)
    status: DeliveryStatus = Field(
        default=DeliveryStatus.PENDING, sa_type=enum_type(DeliveryStatus, "delivery_status")
    )
    attempts: int = Field(default=0)
    next_attempt_at: datetime = created_field()
    last_attempt_at: datetime | None = timestamp_field()
    last_status_code: int | None = Field(default=None)
    last_error: str | None = Field(default=None, sa_type=sa.String(500))
    created_at: datetime = created_field()
    delivered_at: datetime | None = timestamp_field()
