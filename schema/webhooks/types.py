"""Webhook endpoints and their recent deliveries."""

import uuid
from datetime import datetime
from typing import Any, TypeAlias

import strawberry
from strawberry.types import Info

from catalog.models import DeliveryStatus, WebhookEndpoint
from catalog.models import WebhookDelivery as DeliveryRow
from schema.context import Context
from schema.loaders import webhook_deliveries_loader
from schema.relay import bad_input, to_global_id

# strawberry.enum registers the class in place and returns it; the alias is the same
# class under a name mypy accepts as a type.
strawberry.enum(DeliveryStatus, name="WebhookDeliveryStatus")
DeliveryStatusEnum: TypeAlias = DeliveryStatus


MAX_RECENT = 50


@strawberry.type(description="One event sent (or to be sent) to one endpoint.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(
        description="Sent as the webhook-id header, the same on every retry"
    )
    event: str
    status: DeliveryStatusEnum
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None = strawberry.field(
        description="Coarse: connection failed, timeout, HTTP 4xx/5xx or internal error"
    )
    delivered_at: datetime | None

    @classmethod
    def from_row(cls, row: DeliveryRow) -> "WebhookDelivery":
        waiting = row.status is DeliveryStatus.PENDING
        return cls(
            id=strawberry.ID(str(row.id)),
            event=row.event,
            status=row.status,
            attempts=row.attempts,
            next_attempt_at=row.next_attempt_at if waiting else None,
            last_attempt_at=row.last_attempt_at,
            last_status_code=row.last_status_code,
            last_error=row.last_error,
            delivered_at=row.delivered_at,
        )


@strawberry.type(description="An endpoint that receives signed event deliveries.")
class Webhook:
    id: strawberry.ID
    url: str
    events: list[str]
    created_at: datetime
    previous_secret_expires_at: datetime | None = strawberry.field(
        description="After rotateWebhookSecret: until when the previous secret also signs"
    )
    row_id: strawberry.Private[uuid.UUID]

    @strawberry.field(description="The newest deliveries with their attempts, newest first.")
    async def recent_deliveries(
        self, info: Info[Context, Any], first: int = 10
    ) -> list[WebhookDelivery]:
        if not 0 < first <= MAX_RECENT:
            raise bad_input(f"first must be between 1 and {MAX_RECENT}")
        rows = await webhook_deliveries_loader(info).load((self.row_id, first))
        return [WebhookDelivery.from_row(row) for row in rows]

    @classmethod
    def from_row(cls, row: WebhookEndpoint) -> "Webhook":
        return cls(
            id=to_global_id("Webhook", row.id),
            url=row.url,
            events=list(row.events),
            created_at=row.created_at,
            previous_secret_expires_at=row.previous_secret_expires_at,
            row_id=row.id,
        )
