"""Registering and deleting webhook endpoints."""

import uuid
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.errors import DomainError, not_found
from catalog.webhooks import endpoints as domain
from schema.context import Context
from schema.errors import UserError, user_errors
from schema.permissions import require
from schema.relay import id_of_type, to_global_id
from schema.webhooks.types import Webhook


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
