"""The one way to write: a transaction that also appends audit events and outbox rows.

    async with write(db, principal) as tx:
        tx.session.add(product)
        tx.audit("product.created", "Product", product.id, {"name": product.name})
        tx.emit("product.changed", "Product", product.id)

Either the business change, its audit events and its outbox rows all commit, or none do.
A write that records no audit event is refused, so no feature can forget the log.
"""

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from catalog.core.audit import canonical_json, event_hash, last_hash, lock_chain
from catalog.core.db import Database
from catalog.core.live import announce
from catalog.core.principal import Principal
from catalog.models import AuditEvent, OutboxEvent
from catalog.models.base import utcnow


def _plain(value: dict[str, Any] | None) -> dict[str, Any]:
    """JSON-native copy (UUIDs, dates and decimals as strings) so stored data hashes the same
    after a round trip through either database."""
    plain: dict[str, Any] = json.loads(canonical_json(value or {}))
    return plain


@dataclass
class _Pending:
    action: str
    entity_type: str
    entity_id: str
    data: dict[str, Any]


@dataclass
class WriteTransaction:
    session: AsyncSession
    actor: Principal
    audits: list[_Pending] = field(default_factory=list)
    outbox: list[_Pending] = field(default_factory=list)

    def audit(
        self,
        action: str,
        entity_type: str,
        entity_id: uuid.UUID | str,
        data: dict[str, Any] | None = None,
    ) -> None:
        self.audits.append(_Pending(action, entity_type, str(entity_id), _plain(data)))

    def emit(
        self,
        topic: str,
        entity_type: str,
        entity_id: uuid.UUID | str,
        payload: dict[str, Any] | None = None,
    ) -> None:
        self.outbox.append(_Pending(topic, entity_type, str(entity_id), _plain(payload)))


async def _append_records(tx: WriteTransaction) -> None:
    session = tx.session
    await session.flush()  # business rows first: constraint errors surface before the lock
    await lock_chain(session)
    prev = await last_hash(session)
    occurred_at = utcnow()
    actor_org = str(tx.actor.org_id) if tx.actor.org_id else None
    for pending in tx.audits:
        digest = event_hash(
            prev_hash=prev,
            occurred_at=occurred_at,
            actor=tx.actor.subject,
            actor_org_id=actor_org,
            action=pending.action,
            entity_type=pending.entity_type,
            entity_id=pending.entity_id,
            data=pending.data,
        )
        session.add(
            AuditEvent(
                occurred_at=occurred_at,
                actor=tx.actor.subject,
                actor_org_id=tx.actor.org_id,
                action=pending.action,
                entity_type=pending.entity_type,
                entity_id=pending.entity_id,
                data=pending.data,
                prev_hash=prev,
                hash=digest,
            )
        )
        prev = digest
    for pending in tx.outbox:
        session.add(
            OutboxEvent(
                created_at=occurred_at,
                topic=pending.action,
                entity_type=pending.entity_type,
                entity_id=pending.entity_id,
                payload=pending.data,
            )
        )
    await session.flush()
    if tx.outbox:
        await announce(session)


@asynccontextmanager
async def write(db: Database, actor: Principal) -> AsyncIterator[WriteTransaction]:
    before = db.changes.snapshot()
    async with db.write_session() as session, session.begin():
        tx = WriteTransaction(session=session, actor=actor)
        yield tx
        if not tx.audits:
            raise RuntimeError("every write must record at least one audit event")
        await _append_records(tx)
    # A revocation or suspension holds on the next request, in every process (core/changes.py).
    await db.changes.propagated(before)
