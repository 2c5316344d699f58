"""The webhook steps of the worker: fan outbox events out into deliveries, then send the
deliveries that are due. Stopping is checked between deliveries, so a stop request never cuts
a delivery in half; one that was sent but not yet recorded is sent again later (at least
once), with the same `webhook-id` for the receiver to recognise it.

One row never stops the worker: whatever goes wrong while a delivery is attempted is recorded
on that delivery (attempts, a coarse last error, the next attempt after backoff, FAILED after
the last one) and the worker goes on with the next. An event whose fan-out fails is recorded
as a FAILED delivery for each endpoint it was meant for. Only the database being unreachable
leaves these steps, for the worker to back off and retry (`api/worker.py`).
"""

import json
import logging
import time
from collections.abc import Callable
from datetime import datetime
from urllib.parse import urlsplit

from catalog.core import outbox
from catalog.core.db import Database
from catalog.core.outage import is_transient
from catalog.models.base import utcnow
from catalog.webhooks import deliveries as webhook_deliveries
from catalog.webhooks import fan_out as webhooks
from notify.egress import Egress, Outcome
from notify.signing import signed_headers

ShouldStop = Callable[[], bool]
log = logging.getLogger("market.webhooks")


def body_of(payload: dict[str, object]) -> bytes:
    return json.dumps(payload, sort_keys=True, separators=(",", ":")).encode()


async def fan_out(db: Database, should_stop: ShouldStop, batch: int = 50) -> int:
    """Turn pending outbox events into deliveries, a batch (one transaction) at a time. A
    batch that fails for any other reason than the database is handled again event by event,
    so that one event cannot hold back the others."""
    total = 0
    while not should_stop():
        try:
            handled = await outbox.drain(db, webhooks.CONSUMER, webhooks.fan_out, batch)
        except Exception as error:
            if is_transient(error):
                raise
            log.exception("webhook fan-out failed; handling the batch event by event")
            handled = await outbox.drain(db, webhooks.CONSUMER, webhooks.fan_out_isolated, batch)
        total += handled
        if handled < batch:
            break
    return total


async def attempt(egress: Egress, due: webhook_deliveries.DueDelivery) -> Outcome:
    """Sign and send one delivery. Never raises: an unexpected error is this row's failure."""
    try:
        body = body_of(due.payload)
        headers = signed_headers(due.secrets, str(due.id), int(time.time()), body)
        outcome = await egress.post(due.url, body, {"Content-Type": "application/json", **headers})
    except Exception:
        log.exception("webhook delivery %s failed unexpectedly", due.id)
        return Outcome(None, "internal error")
    if outcome.detail:
        host = urlsplit(due.url).hostname
        log.warning("webhook delivery %s to %s: %s", due.id, host, outcome.detail)
    return outcome


async def send_due(
    db: Database,
    egress: Egress,
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
        outcome = await attempt(egress, due)
        await webhook_deliveries.record_attempt(
            db, due.id, now=now or utcnow(), status_code=outcome.status_code, error=outcome.error
        )
        attempted += 1
    return attempted
