"""Webhooks: an organisation registers URLs to hear about events it could read anyway."""

import uuid
from datetime import datetime
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.errors import DomainError, not_found
from catalog.models import DeliveryStatus, WebhookEndpoint
from catalog.models import WebhookDelivery as DeliveryRow
from catalog.webhooks import endpoints as domain
from schema.context import Context
from schema.errors import UserError, user_errors
from schema.loaders import webhook_deliveries_loader
from schema.permissions import require
from schema.relay import bad_input, id_of_type, to_global_id

DeliveryStatusEnum = strawberry.enum(DeliveryStatus, name="WebhookDeliveryStatus")
MAX_RECENT = 50


@strawberry.type(description="One event sent (or to be sent) to one endpoint.")
class WebhookDelivery:
    id: strawberry.ID = strawberry.field(description="Sent as X-Market-Delivery")
    event: str
    status: DeliveryStatusEnum  # type: ignore[valid-type]
    attempts: int
    next_attempt_at: datetime | None
    last_attempt_at: datetime | None
    last_status_code: int | None
    last_error: str | None
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
            row_id=row.id,
        )


@strawberry.input
class CreateWebhookInput:
    url: str
    events: list[str] = strawberry.field(
        description="product.changed, quote.changed or licensing_case.changed"
    )


@strawberry.input
class DeleteWebhookInput:
    webhook_id: strawberry.ID


@strawberry.type
class CreateWebhookPayload:
    webhook: Webhook | None
    secret: str | None = strawberry.field(
        description="The signing secret. Shown only here, once: store it now."
    )
    errors: list[UserError]


@strawberry.type
class DeleteWebhookPayload:
    deleted_webhook_id: strawberry.ID | None
    errors: list[UserError]


def _allow_loopback_http(info: Info[Context, Any]) -> bool:
    return bool(info.context.settings.market_env != "production")


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="The caller's organisation's webhooks.")
    async def webhooks(self, info: Info[Context, Any]) -> list[Webhook]:
        require(info, "catalog:read")
        async with info.context.db.read() as session:
            rows = await domain.list_webhooks(session, info.context.principal)
        return [Webhook.from_row(row) for row in rows]


@strawberry.type
class WebhookMutation:
    @strawberry.mutation(description="Register an endpoint; the payload holds its secret once.")
    async def create_webhook(
        self, info: Info[Context, Any], input: CreateWebhookInput
    ) -> CreateWebhookPayload:
        require(info, "catalog:read")
        ctx = info.context
        try:
            row, secret = await domain.create_webhook(
                ctx.db,
                ctx.principal,
                input.url,
                input.events,
                allow_loopback_http=_allow_loopback_http(info),
            )
        except DomainError as error:
            return CreateWebhookPayload(webhook=None, secret=None, errors=user_errors(error))
        return CreateWebhookPayload(webhook=Webhook.from_row(row), secret=secret, errors=[])

    @strawberry.mutation(description="Delete an endpoint; its pending deliveries are cancelled.")
    async def delete_webhook(
        self, info: Info[Context, Any], input: DeleteWebhookInput
    ) -> DeleteWebhookPayload:
        require(info, "catalog:read")
        ctx = info.context
        try:
            webhook_id = id_of_type(input.webhook_id, "Webhook")
            if webhook_id is None:
                raise not_found("webhook", "webhookId")
            deleted: uuid.UUID = await domain.delete_webhook(ctx.db, ctx.principal, webhook_id)
        except DomainError as error:
            return DeleteWebhookPayload(deleted_webhook_id=None, errors=user_errors(error))
        return DeleteWebhookPayload(deleted_webhook_id=to_global_id("Webhook", deleted), errors=[])
