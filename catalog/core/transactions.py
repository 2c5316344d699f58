"""The one way to write: a transaction that also appends audit events and outbox rows.

    async with write(db, principal) as tx:
        tx.session.add(product)
        tx.audit("product.created", "Product", product.id, {"name": product.name})
        tx.emit("product.changed", "Product", product.id)

Either the business change, its audit events and its outbox rows all commit, or none do.
A write that records no audit event is refused, so no feature can forget the log. They commit
as pending rows; the chain's single appender (catalog/core/appender.py) links them into the
hash chain and the outbox after the commit, and `write` returns once it has.
"""

import json
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from catalog.core.appender import INSERT_PENDING, settle
from catalog.core.audit import canonical_json
from catalog.core.db import Database
from catalog.core.principal import Principal
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


async def record_pending(tx: WriteTransaction) -> None:
    """The write's audit events and outbox rows, as pending rows of its own transaction (one
    statement): they commit with the business change or not at all. The chain is not touched
    here; `write` has them linked after the commit (catalog/core/appender.py)."""
    await tx.session.flush()  # business rows first: their constraint errors come first
    common = {"occurred_at": utcnow(), "actor": tx.actor.subject, "actor_org_id": tx.actor.org_id}
    rows = [(False, record) for record in tx.audits] + [(True, record) for record in tx.outbox]
    await tx.session.execute(
        INSERT_PENDING,
        [
            {
                **common,
                "outbox": outbox,
                "action": record.action,
                "entity_type": record.entity_type,
                "entity_id": record.entity_id,
                "data": record.data,
            }
            for outbox, record in rows
        ],
    )


@asynccontextmanager
async def write(db: Database, actor: Principal) -> AsyncIterator[WriteTransaction]:
    before = db.changes.snapshot()
    async with db.write_session() as session, session.begin():
        tx = WriteTransaction(session=session, actor=actor)
        yield tx
        if not tx.audits:
            raise RuntimeError("every write must record at least one audit event")
        await record_pending(tx)
    # Read your writes: the caller's audit events are in the chain (and its outbox rows in
    # the outbox) when this returns. A failed run raises here, after the commit; the rows
    # stay pending for the next run.
    await settle(db)
    # A revocation or suspension holds on the next request, in every process (core/changes.py).
    await db.changes.propagated(before)
