"""`auditEvents(entityId, first, after)`: an object's audit history, for curators and licensing
officers (`audit:read`)."""

import base64
import binascii
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from catalog.core import audit as domain
from catalog.core.errors import DomainError
from catalog.models import AuditEvent as AuditRow
from schema.context import Context
from schema.errors import ErrorCode, coded_error
from schema.loaders import organisation_loader
from schema.permissions import require
from schema.relay import PageInfo, bad_input, page_info, page_size, parse_global_id

CURSOR_PREFIX = "audit:"


def encode_cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{event_id}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode()).decode()
        if raw.startswith(CURSOR_PREFIX):
            return int(raw.removeprefix(CURSOR_PREFIX))
    except (ValueError, binascii.Error, UnicodeDecodeError):
        pass
    raise bad_input("after is not a cursor of this list")


@strawberry.type(description="One entry of the append-only, hash-chained audit log.")
class AuditEvent:
    row: strawberry.Private[AuditRow]
    sequence: int = strawberry.field(description="Position in the chain")
    occurred_at: datetime
    actor: str = strawberry.field(description="Who acted: the client or operator")
    action: str
    entity_id: strawberry.ID
    data: JSON
    hash: str
    prev_hash: str

    @strawberry.field(description="Slug of the organisation the actor acted for")
    async def actor_organisation(self, info: Info[Context, Any]) -> str | None:
        if self.row.actor_org_id is None:
            return None
        org = await organisation_loader(info).load(self.row.actor_org_id)
        return org.slug if org is not None else None


@strawberry.type
class AuditEventEdge:
    cursor: str
    node: AuditEvent


@strawberry.type
class AuditEventConnection:
    edges: list[AuditEventEdge]
    page_info: PageInfo
    entity: strawberry.Private[tuple[str, str]]

    @strawberry.field(description="Computed only when selected.")
    async def total_count(self, info: Info[Context, Any]) -> int:
        async with info.context.db.read() as session:
            return await domain.count_entity_history(session, *self.entity)


def _entity(global_id: str) -> tuple[str, str]:
    parsed = parse_global_id(global_id)
    entity_type = domain.ENTITY_TYPES.get(parsed[0]) if parsed else None
    if parsed is None or entity_type is None:
        raise bad_input("entityId is not the ID of an object with an audit history")
    return entity_type, str(parsed[1])


@strawberry.type
class AuditQuery:
    @strawberry.field(description="An object's audit history, oldest first (audit:read).")
    async def audit_events(
        self,
        info: Info[Context, Any],
        entity_id: strawberry.ID,
        first: int | None = None,
        after: str | None = None,
    ) -> AuditEventConnection:
        require(info, "audit:read")
        entity = _entity(entity_id)
        size = page_size(info, first)
        start = decode_cursor(after) if after else None
        try:
            async with info.context.db.read() as session:
                rows, has_next = await domain.entity_history(
                    session, info.context.principal, *entity, first=size, after=start
                )
        except DomainError as error:
            raise coded_error(error.problems[0].message, ErrorCode.FORBIDDEN) from error
        cursors = [encode_cursor(row.id or 0) for row in rows]
        return AuditEventConnection(
            edges=[
                AuditEventEdge(cursor=cursor, node=_node(row, entity_id))
                for row, cursor in zip(rows, cursors, strict=True)
            ],
            page_info=page_info(cursors, has_next, after),
            entity=entity,
        )


def _node(row: AuditRow, entity_id: strawberry.ID) -> AuditEvent:
    return AuditEvent(
        row=row,
        sequence=row.id or 0,
        occurred_at=row.occurred_at,
        actor=row.actor,
        action=row.action,
        entity_id=entity_id,
        data=row.data,
        hash=row.hash,
        prev_hash=row.prev_hash,
    )
