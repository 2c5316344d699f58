"""The outbox consumer `fan_out`: each outbox event becomes one delivery per registered
endpoint whose organisation may read the object (see `catalog/access.py` for who may subscribe
to and hear what). Payloads are minimal: the event, the object's global ID, its type and
status.
"""

import logging
import uuid
from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import hears, may_receive, receiver, visible_quotes
from catalog.core.ids import to_global_id
from catalog.core.outage import is_transient
from catalog.models import (
    DeliveryStatus,
    LicensingCase,
    Organisation,
    OutboxEvent,
    Product,
    QuoteRequest,
    WebhookDelivery,
    WebhookEndpoint,
)
from catalog.models.base import utcnow
from catalog.visibility import visible_products

CONSUMER = "webhooks"
log = logging.getLogger("market.webhooks")


async def _product_data(
    session: AsyncSession, org: Organisation, entity_id: uuid.UUID
) -> dict[str, Any] | None:
    product = await session.scalar(
        select(Product).where(col(Product.id) == entity_id, visible_products(receiver(org)))
    )
    if product is None:
        return None
    return {"type": "Product", "id": to_global_id("Product", product.id), "status": product.status}


async def _quote_data(
    session: AsyncSession, org: Organisation, entity_id: uuid.UUID
) -> dict[str, Any] | None:
    quote = await session.scalar(
        select(QuoteRequest).where(col(QuoteRequest.id) == entity_id, visible_quotes(receiver(org)))
    )
    if quote is None:
        return None
    return {
        "type": "QuoteRequest",
        "id": to_global_id("QuoteRequest", quote.id),
        "status": quote.status,
    }


async def _case_data(
    session: AsyncSession, org: Organisation, entity_id: uuid.UUID
) -> dict[str, Any] | None:
    case = await session.get(LicensingCase, entity_id)
    if case is None:
        return None
    return {
        "type": "LicensingCase",
        "id": to_global_id("LicensingCase", case.id),
        "status": case.status,
        "queue": case.queue,
    }


DATA_BUILDERS = {
    "product.changed": _product_data,
    "quote.changed": _quote_data,
    "licensing_case.changed": _case_data,
}


async def _subscribers(session: AsyncSession) -> list[tuple[WebhookEndpoint, Organisation]]:
    rows = await session.execute(
        select(WebhookEndpoint, Organisation)
        .join(Organisation, col(Organisation.id) == col(WebhookEndpoint.org_id))
        .where(col(WebhookEndpoint.deleted_at).is_(None))
    )
    return [(endpoint, org) for endpoint, org in rows]


async def fan_out(
    session: AsyncSession, events: Sequence[OutboxEvent], *, isolate: bool = False
) -> None:
    """Outbox handler: one PENDING delivery per (event, endpoint that may see it). Seeing the
    same batch again adds nothing (one delivery per endpoint and event).

    With `isolate`, each delivery is prepared under a savepoint, and one whose preparation
    fails (for another reason than the database) is recorded as FAILED instead of failing the
    batch: the worker calls it so after a batch has failed as a whole."""
    subscribers = [s for s in await _subscribers(session) if may_receive(s[1])]
    if not subscribers:
        return
    event_ids = [e.id for e in events]
    done = set(
        (
            await session.execute(
                select(col(WebhookDelivery.endpoint_id), col(WebhookDelivery.event_id)).where(
                    col(WebhookDelivery.event_id).in_(event_ids)
                )
            )
        ).all()
    )
    for event in events:
        build = DATA_BUILDERS.get(event.topic)
        try:
            entity_id = uuid.UUID(event.entity_id)
        except ValueError:
            continue
        for endpoint, org in subscribers:
            if build is None or event.topic not in endpoint.events or not hears(org, event.topic):
                continue
            if (endpoint.id, event.id) in done or event.created_at < endpoint.created_at:
                continue  # already fanned out, or older than the endpoint
            if not isolate:
                data = await build(session, org, entity_id)
                if data is not None:
                    session.add(_delivery(endpoint, event, data))
                continue
            try:
                async with session.begin_nested():
                    data = await build(session, org, entity_id)
            except Exception as error:
                if is_transient(error):
                    raise
                log.exception("fan-out of event %s to webhook %s failed", event.id, endpoint.id)
                session.add(_failed_delivery(endpoint, event))
                continue
            if data is not None:
                session.add(_delivery(endpoint, event, data))


async def fan_out_isolated(session: AsyncSession, events: Sequence[OutboxEvent]) -> None:
    await fan_out(session, events, isolate=True)


def _failed_delivery(endpoint: WebhookEndpoint, event: OutboxEvent) -> WebhookDelivery:
    """The record of an event that could not be prepared for this endpoint: nothing is sent
    (its data may be what failed), the registrant sees the failure among its deliveries."""
    delivery = _delivery(endpoint, event, {})
    delivery.status = DeliveryStatus.FAILED
    delivery.attempts = 1
    delivery.last_attempt_at = utcnow()
    delivery.last_error = "internal error"
    return delivery


def _delivery(
    endpoint: WebhookEndpoint, event: OutboxEvent, data: dict[str, Any]
) -> WebhookDelivery:
    delivery_id = uuid.uuid4()
    assert event.id is not None
    payload = {
        "deliveryId": str(delivery_id),
        "event": event.topic,
        "occurredAt": event.created_at.isoformat(),
        "data": {key: str(value) for key, value in data.items()},
    }
    return WebhookDelivery(
        id=delivery_id,
        endpoint_id=endpoint.id,
        event_id=event.id,
        event=event.topic,
        payload=payload,
        next_attempt_at=utcnow(),
    )
