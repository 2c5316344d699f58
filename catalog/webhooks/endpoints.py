"""Webhooks: organisations register endpoints for events; the outbox consumer in
`catalog/webhooks/fan_out.py` turns each outbox event into one delivery per endpoint whose
organisation may read the object.

Which organisation may subscribe to and hears what (and nothing it could not read through
GraphQL) is stated in `catalog/access.py` (`WEBHOOK_EVENTS`); `licensing_case.changed` covers
new cases and every later change. Payloads are minimal: the event, the object's global ID, its
type and status.
"""

import ipaddress
import secrets
import uuid
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

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

MAX_ENDPOINTS_PER_ORG = 20
URL_MAX = 2000


# ---------------------------------------------------------------- endpoints


def _url_problems(url: str, allow_loopback_http: bool) -> list[Problem]:
    """HTTPS to a public host. Plain HTTP only to loopback, and only where the deployment
    allows it (development and tests); addresses inside our network are refused."""
    parts = urlsplit(url.strip())
    host = (parts.hostname or "").lower()
    problem = None
    try:
        address = ipaddress.ip_address(host) if host else None
    except ValueError:
        address = None
    loopback = host == "localhost" or (address is not None and address.is_loopback)
    if len(url) > URL_MAX or parts.scheme not in ("https", "http") or not host:
        problem = "url must be an absolute https:// URL"
    elif parts.username or parts.password:
        problem = "url must not carry credentials"
    elif parts.scheme == "http" and not (allow_loopback_http and loopback):
        problem = "url must use https"
    elif not allow_loopback_http and (loopback or (address is not None and not address.is_global)):
        problem = "url must point to a public address"
    return [Problem(problem, Codes.INVALID, "url")] if problem else []


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
    allow_loopback_http: bool = False,
) -> tuple[WebhookEndpoint, str]:
    """A new endpoint and its signing secret (returned here once, never again)."""
    org_id = require_webhook_owner(principal)
    problems = _url_problems(url, allow_loopback_http) + _event_problems(principal, events)
    if problems:
        raise DomainError(problems)
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    endpoint = WebhookEndpoint(
        org_id=org_id,
        url=url.strip(),
        events=sorted(set(events)),
        secret=secret,
        created_by=principal.subject,
    )
    async with write(db, principal) as tx:
        existing = await tx.session.scalars(
            select(WebhookEndpoint.id).where(
                WebhookEndpoint.org_id == org_id,
                WebhookEndpoint.deleted_at.is_(None),  # type: ignore[union-attr]
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


async def delete_webhook(db: Database, principal: Principal, webhook_id: uuid.UUID) -> uuid.UUID:
    """Deletes the endpoint and cancels its pending deliveries."""
    async with write(db, principal) as tx:
        endpoint = await tx.session.scalar(
            select(WebhookEndpoint)
            .where(
                WebhookEndpoint.id == webhook_id,
                WebhookEndpoint.org_id == principal.org_id,
                WebhookEndpoint.deleted_at.is_(None),  # type: ignore[union-attr]
            )
            .with_for_update()
        )
        if endpoint is None or principal.org_id is None:
            raise not_found("webhook", "webhookId")
        endpoint.deleted_at = utcnow()
        pending = await tx.session.scalars(
            select(WebhookDelivery).where(
                WebhookDelivery.endpoint_id == webhook_id,
                WebhookDelivery.status == DeliveryStatus.PENDING,
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
            WebhookEndpoint.org_id == principal.org_id,
            WebhookEndpoint.deleted_at.is_(None),  # type: ignore[union-attr]
        )
        .order_by(WebhookEndpoint.created_at, WebhookEndpoint.id)
    )
    return list(rows)
