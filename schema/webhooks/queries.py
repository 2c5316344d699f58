"""The caller's organisation's webhook endpoints."""

from typing import Any

import strawberry
from strawberry.types import Info

from catalog.webhooks import endpoints as domain
from schema.context import Context
from schema.permissions import require
from schema.webhooks.types import Webhook


@strawberry.type
class WebhookQuery:
    @strawberry.field(description="The caller's organisation's webhooks.")
    async def webhooks(self, info: Info[Context, Any]) -> list[Webhook]:
        require(info, "catalog:read")
        async with info.context.db.read() as session:
            rows = await domain.list_webhooks(session, info.context.principal)
        return [Webhook.from_row(row) for row in rows]
