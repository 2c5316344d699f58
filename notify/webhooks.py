"""The webhook steps of the worker: fan outbox events out into deliveries, then send the
deliveries that are due. Stopping is checked between deliveries, so a stop request never cuts
a delivery in half; one that was sent but not yet recorded is sent again later (at least
once), with the same delivery id for the receiver to recognise it."""

import json
from collections.abc import Callable
from datetime import datetime

import httpx

from catalog.core import outbox
from catalog.core.db import Database
from catalog.models.base import utcnow
from catalog.webhooks import deliveries as webhook_deliveries
from catalog.webhooks import fan_out as webhooks
from notify.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, sign

TIMEOUT_SECONDS = 10.0
ShouldStop = Callable[[], bool]


def body_of(payload: dict[str, object]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


async def fan_out(db: Database, should_stop: ShouldStop, batch: int = 50) -> int:
    """Turn pending outbox events into deliveries, a batch (one transaction) at a time."""
    total = 0
    while not should_stop():
        handled = await outbox.drain(db, webhooks.CONSUMER, webhooks.fan_out, batch)
        total += handled
        if handled < batch:
            break
    return total


async def _post(
    client: httpx.AsyncClient, due: webhook_deliveries.DueDelivery
) -> tuple[int | None, str | None]:
    body = body_of(due.payload)
    headers = {
        "Content-Type": "application/json",
        SIGNATURE_HEADER: sign(due.secret, body),
        DELIVERY_HEADER: str(due.id),
        EVENT_HEADER: due.event,
    }
    try:
        response = await client.post(due.url, content=body, headers=headers)
    except httpx.HTTPError as error:
        return None, f"{type(error).__name__}: {error}"
    if 200 <= response.status_code < 300:
        return response.status_code, None
    return response.status_code, f"HTTP {response.status_code}"


async def send_due(
    db: Database,
    client: httpx.AsyncClient,
    should_stop: ShouldStop,
    *,
    now: datetime | None = None,
    limit: int = 50,
) -> int:
    """Send up to `limit` due deliveries; returns how many were attempted."""
    moment = now or utcnow()
    attempted = 0
    for due in await webhook_deliveries.due_deliveries(db, moment, limit):
        if should_stop():
            break
        if not due.allowed:
            await webhook_deliveries.cancel_delivery(db, due.id)
            continue
        status_code, error = await _post(client, due)
        await webhook_deliveries.record_attempt(
            db, due.id, now=now or utcnow(), status_code=status_code, error=error
        )
        attempted += 1
    return attempted


def http_client() -> httpx.AsyncClient:
    # No redirects: a receiver must not bounce our signed request somewhere else.
    return httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False, trust_env=False)
