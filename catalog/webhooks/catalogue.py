"""`catalogue.changed` for partners' webhooks: a `product.changed` outbox event told as what
it means to the partner (`catalogue_change` in catalog/access/): ADDED, UPDATED or REMOVED,
and nothing about products the partner neither saw nor sees. Like every webhook, it tells the
product as it is when the event is fanned out (an event fanned out after a later change says
what that change left).

Whether the partner saw the product before is what its endpoint was last told about it (its
latest `catalogue.changed` delivery for the product). Before the first delivery, a product the
partner no longer sees counts as seen when it was released to the partner's country at some
time since the endpoint was registered, and a product it sees counts as new when its live
release is younger than the endpoint.
"""

import uuid
from typing import Any

from sqlalchemy import or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col, select

from catalog.access import catalogue_change, receiver
from catalog.core.enums import CatalogueChangeKind
from catalog.core.ids import to_global_id
from catalog.models import Organisation, OutboxEvent, Release, WebhookDelivery, WebhookEndpoint
from catalog.products.changes import visible_product

EVENT = "catalogue.changed"


async def _last_told(
    session: AsyncSession, endpoint: WebhookEndpoint, product_id: uuid.UUID
) -> bool | None:
    """Whether the endpoint's latest word on the product left it visible; None: never told."""
    payload = await session.scalar(
        select(col(WebhookDelivery.payload))
        .join(OutboxEvent, col(OutboxEvent.id) == col(WebhookDelivery.event_id))
        .where(
            col(WebhookDelivery.endpoint_id) == endpoint.id,
            col(WebhookDelivery.event) == EVENT,
            col(OutboxEvent.entity_id) == str(product_id),
        )
        .order_by(col(WebhookDelivery.event_id).desc())
        .limit(1)
    )
    if payload is None:
        return None
    change = (payload.get("data") or {}).get("change")
    return change is not None and change != CatalogueChangeKind.REMOVED


async def _released_since(
    session: AsyncSession, endpoint: WebhookEndpoint, org: Organisation, product_id: uuid.UUID
) -> bool:
    """A release of the product to the partner's country was live at some time since the
    endpoint was registered."""
    found = await session.scalar(
        select(col(Release.id))
        .where(
            col(Release.product_id) == product_id,
            col(Release.country) == org.country,
            or_(
                col(Release.revoked_at).is_(None),
                col(Release.revoked_at) >= endpoint.created_at,
            ),
        )
        .limit(1)
    )
    return found is not None


async def _live_release_is_older(
    session: AsyncSession, endpoint: WebhookEndpoint, org: Organisation, product_id: uuid.UUID
) -> bool:
    found = await session.scalar(
        select(col(Release.id))
        .where(
            col(Release.product_id) == product_id,
            col(Release.country) == org.country,
            col(Release.revoked_at).is_(None),
            col(Release.released_at) < endpoint.created_at,
        )
        .limit(1)
    )
    return found is not None


async def catalogue_data(
    session: AsyncSession,
    org: Organisation,
    entity_id: uuid.UUID,
    *,
    endpoint: WebhookEndpoint,
) -> dict[str, Any] | None:
    """The delivery's data, or None when the partner is told nothing."""
    product = await visible_product(session, receiver(org), entity_id)
    was_visible = await _last_told(session, endpoint, entity_id)
    if was_visible is None:
        if product is None:
            was_visible = await _released_since(session, endpoint, org, entity_id)
        else:
            was_visible = await _live_release_is_older(session, endpoint, org, entity_id)
    change = catalogue_change(was_visible, product is not None)
    if change is None:
        return None
    data: dict[str, Any] = {
        "type": "Product",
        "id": to_global_id("Product", entity_id),
        "change": change,
    }
    if product is not None:
        data["name"] = product.name
    return data
