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
        description="product.changed, quote.changed, licensing_case.changed or "
        "catalogue.changed (partners)"
    )


@strawberry.input
class DeleteWebhookInput:
    webhook_id: strawberry.ID


@strawberry.input
class RotateWebhookSecretInput:
    webhook_id: strawberry.ID
    grace_period_seconds: int = strawberry.field(
        default=domain.DEFAULT_GRACE_SECONDS,
        description=(
            "How long the current secret keeps signing beside the new one (0 to 604800; "
            "0 stops it at once, e.g. after a leak)."
        ),
    )


@strawberry.type
class CreateWebhookPayload:
    webhook: Webhook | None
    secret: str | None = strawberry.field(
        description="The signing secret. Shown only here, once: store it now."
    )
    errors: list[UserError]


@strawberry.type
class RotateWebhookSecretPayload:
    webhook: Webhook | None
    secret: str | None = strawberry.field(
        description="The new signing secret. Shown only here, once: store it now."
    )
    errors: list[UserError]


@strawberry.type
class DeleteWebhookPayload:
    deleted_webhook_id: strawberry.ID | None
    errors: list[UserError]


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
                allow_networks=ctx.settings.webhook_networks,
            )
        except DomainError as error:
            return CreateWebhookPayload(webhook=None, secret=None, errors=user_errors(error))
        return CreateWebhookPayload(webhook=Webhook.from_row(row), secret=secret, errors=[])

    @strawberry.mutation(
        description=(
            "A new signing secret for an endpoint; the current one keeps signing beside it "
            "for the grace period, so receivers can switch without losing a delivery."
        )
    )
    async def rotate_webhook_secret(
        self, info: Info[Context, Any], input: RotateWebhookSecretInput
    ) -> RotateWebhookSecretPayload:
        require(info, "catalog:read")
        ctx = info.context
        try:
            webhook_id = id_of_type(input.webhook_id, "Webhook")
            if webhook_id is None:
                raise not_found("webhook", "webhookId")
            row, secret = await domain.rotate_webhook_secret(
                ctx.db, ctx.principal, webhook_id, input.grace_period_seconds
            )
        except DomainError as error:
            return RotateWebhookSecretPayload(webhook=None, secret=None, errors=user_errors(error))
        return RotateWebhookSecretPayload(webhook=Webhook.from_row(row), secret=secret, errors=[])

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
