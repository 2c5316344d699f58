"""Webhook deliveries: which are due, and the outcome of each attempt (retried with
exponential backoff until delivered or given up)."""

import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import may_receive
from catalog.core.db import Database
from catalog.models import DeliveryStatus, Organisation, WebhookDelivery, WebhookEndpoint

RETRY_BASE_SECONDS = 10
RETRY_MAX_SECONDS = 3600
MAX_ATTEMPTS = 10


def retry_delay_seconds(attempts: int) -> int:
    """Exponential backoff after the n-th failed attempt: 10 s, 20 s, 40 s … at most an hour."""
    return int(min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS))


@dataclass(frozen=True)
class DueDelivery:
    id: uuid.UUID
    url: str
    secrets: tuple[str, ...]  # the endpoint's secret, and the previous one in its grace period
    event: str
    payload: dict[str, Any]
    allowed: bool


def signing_secrets(endpoint: WebhookEndpoint, now: datetime) -> tuple[str, ...]:
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > now:
        return (endpoint.secret, endpoint.previous_secret)
    return (endpoint.secret,)


async def due_deliveries(db: Database, now: datetime, limit: int) -> list[DueDelivery]:
    async with db.read() as session:
        rows = await session.execute(
            select(WebhookDelivery, WebhookEndpoint, Organisation)
            .join(WebhookEndpoint, col(WebhookEndpoint.id) == col(WebhookDelivery.endpoint_id))
            .join(Organisation, col(Organisation.id) == col(WebhookEndpoint.org_id))
            .where(
                col(WebhookDelivery.status) == DeliveryStatus.PENDING,
                col(WebhookDelivery.next_attempt_at) <= now,
            )
            .order_by(col(WebhookDelivery.next_attempt_at), col(WebhookDelivery.event_id))
            .limit(limit)
        )
        return [
            DueDelivery(
                id=delivery.id,
                url=endpoint.url,
                secrets=signing_secrets(endpoint, now),
                event=delivery.event,
                payload=delivery.payload,
                allowed=endpoint.deleted_at is None and may_receive(org),
            )
            for delivery, endpoint, org in rows
        ]


async def record_attempt(
    db: Database,
    delivery_id: uuid.UUID,
    *,
    now: datetime,
    status_code: int | None,
    error: str | None,
) -> DeliveryStatus:
    """Bookkeeping of the delivery consumer (like an outbox cursor): no audit event."""
    async with db.write_session() as session, session.begin():
        delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is None or delivery.status is not DeliveryStatus.PENDING:
            return delivery.status if delivery else DeliveryStatus.CANCELLED
        delivery.attempts += 1
        delivery.last_attempt_at = now
        delivery.last_status_code = status_code
        delivery.last_error = error[:500] if error else None
        if status_code is not None and 200 <= status_code < 300:
            delivery.status = DeliveryStatus.DELIVERED
            delivery.delivered_at = now
        elif delivery.attempts >= MAX_ATTEMPTS:
            delivery.status = DeliveryStatus.FAILED
        else:
            delivery.next_attempt_at = now + timedelta(
                seconds=retry_delay_seconds(delivery.attempts)
            )
        return delivery.status


async def cancel_delivery(db: Database, delivery_id: uuid.UUID) -> None:
    async with db.write_session() as session, session.begin():
        delivery = await session.get(WebhookDelivery, delivery_id, with_for_update=True)
        if delivery is not None and delivery.status is DeliveryStatus.PENDING:
            delivery.status = DeliveryStatus.CANCELLED


async def recent_deliveries(
    session: AsyncSession, endpoint_ids: list[uuid.UUID], limit: int
) -> dict[uuid.UUID, list[WebhookDelivery]]:
    """Up to `limit` newest deliveries per endpoint, in one query."""
    rank = (
        func.row_number()
        .over(
            partition_by=col(WebhookDelivery.endpoint_id),
            order_by=(col(WebhookDelivery.event_id).desc(), col(WebhookDelivery.id)),
        )
        .label("rank")
    )
    ranked = (
        select(col(WebhookDelivery.id), rank)
        .where(col(WebhookDelivery.endpoint_id).in_(endpoint_ids))
        .subquery()
    )
    rows = await session.scalars(
        select(WebhookDelivery)
        .join(ranked, ranked.c.id == WebhookDelivery.id)
        .where(ranked.c.rank <= limit)
        .order_by(col(WebhookDelivery.endpoint_id), col(WebhookDelivery.event_id).desc())
    )
    grouped: dict[uuid.UUID, list[WebhookDelivery]] = {}
    for row in rows:
        grouped.setdefault(row.endpoint_id, []).append(row)
    return grouped
