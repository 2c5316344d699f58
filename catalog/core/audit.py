"""The hash-chained audit log: appending under a lock and verifying the chain."""

import hashlib
import json
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, func, select, text
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import reads_audit_payload, require_audit_reader
from catalog.core.enums import OrgKind
from catalog.core.principal import Principal
from catalog.models import AuditEvent, Organisation, WebhookEndpoint

GENESIS_HASH = "0" * 64
# Any constant; all writers on PostgreSQL serialise their audit appends on this advisory lock.
AUDIT_CHAIN_LOCK_KEY = 0x6D61726B6574


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def event_hash(
    *,
    prev_hash: str,
    occurred_at: datetime,
    actor: str,
    actor_org_id: str | None,
    action: str,
    entity_type: str,
    entity_id: str,
    data: dict[str, Any],
) -> str:
    body = canonical_json(
        {
            "prev": prev_hash,
            "at": occurred_at.isoformat(timespec="microseconds"),
            "actor": actor,
            "actor_org": actor_org_id,
            "action": action,
            "entity_type": entity_type,
            "entity_id": entity_id,
            "data": data,
        }
    )
    return hashlib.sha256(body.encode()).hexdigest()


def hash_of(event: AuditEvent) -> str:
    return event_hash(
        prev_hash=event.prev_hash,
        occurred_at=event.occurred_at,
        actor=event.actor,
        actor_org_id=str(event.actor_org_id) if event.actor_org_id else None,
        action=event.action,
        entity_type=event.entity_type,
        entity_id=event.entity_id,
        data=event.data,
    )


async def lock_chain(session: AsyncSession) -> None:
    """Serialise appends so that two transactions never chain onto the same predecessor.
    SQLite writers already hold the database lock (BEGIN IMMEDIATE)."""
    if session.get_bind().dialect.name == "postgresql":
        await session.execute(
            text("SELECT pg_advisory_xact_lock(:key)"), {"key": AUDIT_CHAIN_LOCK_KEY}
        )


async def last_hash(session: AsyncSession) -> str:
    result = await session.execute(
        select(col(AuditEvent.hash)).order_by(col(AuditEvent.id).desc()).limit(1)
    )
    return result.scalar_one_or_none() or GENESIS_HASH


@dataclass(frozen=True, slots=True)
class ChainReport:
    length: int
    broken_at: int | None
    reason: str | None

    @property
    def ok(self) -> bool:
        return self.broken_at is None


async def iter_events(session: AsyncSession, batch: int = 1000) -> AsyncIterator[AuditEvent]:
    after = 0
    while True:
        rows = (
            (
                await session.execute(
                    select(AuditEvent)
                    .where(col(AuditEvent.id) > after)
                    .order_by(col(AuditEvent.id))
                    .limit(batch)
                )
            )
            .scalars()
            .all()
        )
        if not rows:
            return
        for row in rows:
            yield row
        after = rows[-1].id or after


async def verify_chain(session: AsyncSession) -> ChainReport:
    """Recompute every hash in order; report the chain's length and the first event whose hash
    or link is wrong."""
    expected_prev = GENESIS_HASH
    length = 0
    broken: tuple[int | None, str] | None = None
    async for event in iter_events(session):
        length += 1
        if broken is None and event.prev_hash != expected_prev:
            broken = (event.id, "its link to the previous event is broken")
        elif broken is None and hash_of(event) != event.hash:
            broken = (event.id, "its content does not match its hash")
        expected_prev = event.hash
    if broken is None:
        return ChainReport(length, None, None)
    return ChainReport(length, broken[0], broken[1])


# ---------------------------------------------------------------- reading one entity's history

# API type names (global IDs) → the entity type the log records.
ENTITY_TYPES = {
    "Product": "Product",
    "Manufacturer": "Organisation",
    "Partner": "Organisation",
    "QuoteRequest": "QuoteRequest",
    "LicensingCase": "LicensingCase",
    "RoutingRule": "RoutingRule",
    "Webhook": "WebhookEndpoint",
}


def _entity_filter(entity_type: str, entity_id: str) -> ColumnElement[bool]:
    return and_(col(AuditEvent.entity_type) == entity_type, col(AuditEvent.entity_id) == entity_id)


async def entity_history(
    session: AsyncSession,
    principal: Principal,
    entity_type: str,
    entity_id: str,
    *,
    first: int,
    after: int | None,
) -> tuple[list[AuditEvent], bool, bool]:
    """The entity's events, oldest first, after the event `after`; whether more follow; and
    whether the caller may see their payloads (`reads_audit_payload`). Curators and licensing
    officers read the log; nobody else does."""
    require_audit_reader(principal)
    statement = select(AuditEvent).where(_entity_filter(entity_type, entity_id))
    if after is not None:
        statement = statement.where(col(AuditEvent.id) > after)
    rows = list(await session.scalars(statement.order_by(col(AuditEvent.id)).limit(first + 1)))
    payloads = await _reads_payloads(session, principal, entity_type, entity_id)
    return rows[:first], len(rows) > first, payloads


async def _reads_payloads(
    session: AsyncSession, principal: Principal, entity_type: str, entity_id: str
) -> bool:
    """The facts `reads_audit_payload` needs, from the database (never from the global ID the
    caller chose, which could name a partner as a manufacturer)."""
    try:
        key = uuid.UUID(entity_id)
    except ValueError:
        key = None
    if entity_type == "Organisation":
        kind = await session.scalar(
            select(col(Organisation.kind)).where(col(Organisation.id) == key)
        )
        return reads_audit_payload(principal, entity_type, partner=kind is not OrgKind.MANUFACTURER)
    if entity_type == "WebhookEndpoint":
        owner = await session.scalar(
            select(col(WebhookEndpoint.org_id)).where(col(WebhookEndpoint.id) == key)
        )
        return reads_audit_payload(principal, entity_type, owner_org_id=owner)
    return reads_audit_payload(principal, entity_type)


async def count_entity_history(session: AsyncSession, entity_type: str, entity_id: str) -> int:
    statement = (
        select(func.count()).select_from(AuditEvent).where(_entity_filter(entity_type, entity_id))
    )
    return int(await session.scalar(statement) or 0)
