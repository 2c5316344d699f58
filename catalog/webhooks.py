"""Webhooks: organisations register endpoints for events; the outbox consumer `fan_out` turns
each outbox event into one delivery per endpoint whose organisation may read the object.

Which organisation hears what (and nothing it could not read through GraphQL):
- `product.changed`: curators (every product) and manufacturers (their own products);
- `quote.changed`: the partner that asked, the manufacturer of the product, licensing;
- `licensing_case.changed` (new cases and every later change): licensing officers.
Payloads are minimal: the event, the object's global ID, its type and status.
"""

import ipaddress
import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.db import Database
from catalog.enums import SCOPES_BY_KIND, OrgKind, VettingStatus
from catalog.errors import Codes, DomainError, Problem, not_found
from catalog.global_ids import to_global_id
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
from catalog.principal import Principal
from catalog.quotes import visible_quotes
from catalog.transactions import write
from catalog.visibility import visible_products

CONSUMER = "webhooks"
MAX_ENDPOINTS_PER_ORG = 20
URL_MAX = 2000


@dataclass(frozen=True)
class EventRule:
    scope: str  # the caller must hold it to subscribe
    kinds: frozenset[OrgKind]  # organisations that may subscribe at all


EVENTS: dict[str, EventRule] = {
    "product.changed": EventRule(
        "catalog:read", frozenset({OrgKind.CURATOR, OrgKind.MANUFACTURER})
    ),
    "quote.changed": EventRule(
        "quotes:read", frozenset({OrgKind.PARTNER, OrgKind.MANUFACTURER, OrgKind.LICENSING})
    ),
    "licensing_case.changed": EventRule("licensing:review", frozenset({OrgKind.LICENSING})),
}


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
        rule = EVENTS.get(name)
        if rule is None:
            known = ", ".join(sorted(EVENTS))
            problems.append(Problem(f"unknown event {name!r} (known: {known})", Codes.INVALID))
        elif principal.kind not in rule.kinds or not principal.has_scope(rule.scope):
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
    if principal.org_id is None or not principal.may_read_beyond_me:
        raise DomainError.one("only organisations may register webhooks", Codes.FORBIDDEN)
    problems = _url_problems(url, allow_loopback_http) + _event_problems(principal, events)
    if problems:
        raise DomainError(problems)
    secret = f"whsec_{secrets.token_urlsafe(32)}"
    endpoint = WebhookEndpoint(
        org_id=principal.org_id,
        url=url.strip(),
        events=sorted(set(events)),
        secret=secret,
        created_by=principal.subject,
    )
    async with write(db, principal) as tx:
        existing = await tx.session.scalars(
            select(WebhookEndpoint.id).where(
                WebhookEndpoint.org_id == principal.org_id,
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


# ---------------------------------------------------------------- fan-out (outbox consumer)


def receiver(org: Organisation) -> Principal:
    """The organisation as a caller: what it could read through GraphQL with every scope its
    kind may hold."""
    return Principal(
        subject=f"webhooks:{org.slug}",
        client_id=None,
        org_id=org.id,
        org_slug=org.slug,
        org_name=org.name,
        kind=org.kind,
        country=org.country,
        vetting=org.vetting,
        scopes=SCOPES_BY_KIND[org.kind],
    )


def may_receive(org: Organisation) -> bool:
    """A partner that is not (or no longer) vetted may read nothing but itself."""
    return org.kind is not OrgKind.PARTNER or org.vetting is VettingStatus.VETTED


async def _product_data(
    session: AsyncSession, org: Organisation, entity_id: uuid.UUID
) -> dict[str, Any] | None:
    if org.kind not in (OrgKind.CURATOR, OrgKind.MANUFACTURER):
        return None
    product = await session.scalar(
        select(Product).where(Product.id == entity_id, visible_products(receiver(org)))
    )
    if product is None:
        return None
    return {"type": "Product", "id": to_global_id("Product", product.id), "status": product.status}


async def _quote_data(
    session: AsyncSession, org: Organisation, entity_id: uuid.UUID
) -> dict[str, Any] | None:
    quote = await session.scalar(
        select(QuoteRequest).where(QuoteRequest.id == entity_id, visible_quotes(receiver(org)))
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
    if org.kind is not OrgKind.LICENSING:
        return None
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
        .join(Organisation, Organisation.id == WebhookEndpoint.org_id)
        .where(WebhookEndpoint.deleted_at.is_(None))  # type: ignore[union-attr]
    )
    return [(endpoint, org) for endpoint, org in rows]


async def fan_out(session: AsyncSession, events: Sequence[OutboxEvent]) -> None:
    """Outbox handler: one PENDING delivery per (event, endpoint that may see it). Seeing the
    same batch again adds nothing (one delivery per endpoint and event)."""
    subscribers = [s for s in await _subscribers(session) if may_receive(s[1])]
    if not subscribers:
        return
    event_ids = [e.id for e in events]
    done = set(
        (
            await session.execute(
                select(WebhookDelivery.endpoint_id, WebhookDelivery.event_id).where(
                    WebhookDelivery.event_id.in_(event_ids)  # type: ignore[attr-defined]
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
            if build is None or event.topic not in endpoint.events:
                continue
            if (endpoint.id, event.id) in done or event.created_at < endpoint.created_at:
                continue  # already fanned out, or older than the endpoint
            data = await build(session, org, entity_id)
            if data is not None:
                session.add(_delivery(endpoint, event, data))


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
