"""Webhooks: organisations register endpoints for events; the outbox consumer in
`catalog/webhooks/fan_out.py` turns each outbox event into one delivery per endpoint whose
organisation may read the object.

Which organisation may subscribe to and hears what (and nothing it could not read through
GraphQL) is stated in `catalog/access.py` (`WEBHOOK_EVENTS`); `licensing_case.changed` covers
new cases and every later change. Payloads are minimal: the event, the object's global ID, its
type and status.
"""

import base64
import secrets
import uuid
from collections.abc import Sequence
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import WEBHOOK_EVENTS, may_subscribe, require_webhook_owner
from catalog.core.db import Database
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.principal import Principal
from catalog.core.transactions import write
from catalog.models import (
    DeliveryStatus,
    WebhookDelivery,
    WebhookEndpoint,
)
from catalog.models.base import utcnow
from catalog.webhooks.egress import EgressRefused, Network, check_url

MAX_ENDPOINTS_PER_ORG = 20
SECRET_BYTES = 32
DEFAULT_GRACE_SECONDS = 24 * 3600
MAX_GRACE_SECONDS = 7 * 24 * 3600


def new_secret() -> str:
    """A Standard Webhooks secret: `whsec_` and the base64 of 32 random bytes."""
    return "whsec_" + base64.b64encode(secrets.token_bytes(SECRET_BYTES)).decode()


# ---------------------------------------------------------------- endpoints


def _url_problems(url: str, allow_networks: Sequence[Network]) -> list[Problem]:
    """HTTPS to a public host (`catalog/webhooks/egress.py`); receivers inside our own
    networks only where the operator listed them."""
    try:
        check_url(url, allow_networks)
    except EgressRefused as refused:
        return [Problem(str(refused), Codes.INVALID, "url")]
    return []


def _event_problems(principal: Principal, events: list[str]) -> list[Problem]:
    if not events:
        return [Problem("give at least one event", Codes.INVALID, "events")]
    problems = []
    for name in events:
        if name not in WEBHOOK_EVENTS:
            known = ", ".join(sorted(WEBHOOK_EVENTS))
            problems.append(Problem(f"unknown event {name!r} (known: {known})", Codes.INVALID))
        elif not may_subscribe(principal, name):
            problems.append(Problem(f"this organisation cannot receive {name}", Codes.FORBIDDEN))
    return [Problem(p.message, p.code, "events") for p in problems]


async def create_webhook(
    db: Database,
    principal: Principal,
    url: str,
    events: list[str],
    *,
    allow_networks: Sequence[Network] = (),
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (returned here once, never again)."""
    org_id = require_webhook_owner(principal)
    url = url.strip()
    problems = _url_problems(url, allow_networks) + _event_problems(principal, events)
    if problems:
        raise DomainError(problems)
    secret = new_secret()
    endpoint = WebhookEndpoint(
        org_id=org_id,
        url=url,
        events=sorted(set(events)),
        secret=secret,
        created_by=principal.subject,
    )
    async with write(db, principal) as tx:
        existing = await tx.session.scalars(
            select(col(WebhookEndpoint.id)).where(
                col(WebhookEndpoint.org_id) == org_id,
                col(WebhookEndpoint.deleted_at).is_(None),
            )
        )
        if len(list(existing)) >= MAX_ENDPOINTS_PER_ORG:
            raise DomainError.one(
                f"at most {MAX_ENDPOINTS_PER_ORG} webhooks per organisation", Codes.INVALID
            )
        tx.session.add(endpoint)
        # The secret is not recorded: the audit log is read by people who must not sign.
        tx.audit(
            "webhook.created",
            "WebhookEndpoint",
            endpoint.id,
            {"url": endpoint.url, "events": endpoint.events},
        )
    return endpoint, secret


async def _own_endpoint(
    session: AsyncSession, principal: Principal, webhook_id: uuid.UUID
) -> WebhookEndpoint:
    endpoint = await session.scalar(
        select(WebhookEndpoint)
        .where(
            col(WebhookEndpoint.id) == webhook_id,
            col(WebhookEndpoint.org_id) == principal.org_id,
            col(WebhookEndpoint.deleted_at).is_(None),
        )
        .with_for_update()
    )
    if endpoint is None or principal.org_id is None:
        raise not_found("webhook", "webhookId")
    return endpoint


async def rotate_webhook_secret(
    db: Database,
    principal: Principal,
    webhook_id: uuid.UUID,
    grace_seconds: int = DEFAULT_GRACE_SECONDS,
) -> tuple[WebhookEndpoint, str]:
    """A new signing secret (returned here once). The current one keeps signing beside it for
    `grace_seconds` (0: stop at once, e.g. after a leak); a secret still in its grace period
    from an earlier rotation is dropped, so at most two sign."""
    if not 0 <= grace_seconds <= MAX_GRACE_SECONDS:
        raise DomainError.one(
            f"gracePeriodSeconds must be between 0 and {MAX_GRACE_SECONDS}",
            Codes.INVALID,
            "gracePeriodSeconds",
        )
    secret = new_secret()
    async with write(db, principal) as tx:
        endpoint = await _own_endpoint(tx.session, principal, webhook_id)
        now = utcnow()
        endpoint.previous_secret = endpoint.secret if grace_seconds else None
        endpoint.previous_secret_expires_at = (
            now + timedelta(seconds=grace_seconds) if grace_seconds else None
        )
        endpoint.secret = secret
        tx.audit(
            "webhook.secret_rotated",
            "WebhookEndpoint",
            endpoint.id,
            {"graceSeconds": grace_seconds},
        )
    return endpoint, secret


async def delete_webhook(db: Database, principal: Principal, webhook_id: uuid.UUID) -> uuid.UUID:
    """Deletes the endpoint and cancels its pending deliveries."""
    async with write(db, principal) as tx:
        endpoint = await _own_endpoint(tx.session, principal, webhook_id)
        endpoint.deleted_at = utcnow()
        pending = await tx.session.scalars(
            select(WebhookDelivery).where(
                col(WebhookDelivery.endpoint_id) == webhook_id,
                col(WebhookDelivery.status) == DeliveryStatus.PENDING,
            )
        )
        for delivery in pending:
            delivery.status = DeliveryStatus.CANCELLED
        tx.audit("webhook.deleted", "WebhookEndpoint", endpoint.id, {"url": endpoint.url})
    return webhook_id


async def list_webhooks(session: AsyncSession, principal: Principal) -> list[WebhookEndpoint]:
    if principal.org_id is None:
        return []
    rows = await session.scalars(
        select(WebhookEndpoint)
        .where(
            col(WebhookEndpoint.org_id) == principal.org_id,
            col(WebhookEndpoint.deleted_at).is_(None),
        )
        .order_by(col(WebhookEndpoint.created_at), col(WebhookEndpoint.id))
    )
    return list(rows)
