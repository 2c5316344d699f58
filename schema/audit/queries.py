"""`auditEvents`: the hash-chained log, by entity (audit:read)."""

from typing import Any, cast

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from catalog.core import audit as domain
from catalog.core.errors import DomainError
from catalog.core.pagination import Page
from catalog.models import AuditEvent as AuditRow
from schema.audit.types import AuditEvent, decode_cursor, encode_cursor
from schema.context import Context
from schema.errors import ErrorCode, coded_error
from schema.permissions import require
from schema.relay import Connection, bad_input, connection, page_size, parse_global_id


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
    ) -> Connection[AuditEvent]:
        require(info, "audit:read")
        entity = _entity(entity_id)
        size = page_size(info, first)
        start = decode_cursor(after) if after else None
        try:
            async with info.context.db.read() as session:
                rows, has_next, payloads = await domain.entity_history(
                    session, info.context.principal, *entity, first=size, after=start
                )
        except DomainError as error:
            raise coded_error(error.problems[0].message, ErrorCode.FORBIDDEN) from error
        page = Page(rows, [encode_cursor(row.id or 0) for row in rows], has_next)
        return connection(
            [_node(row, entity_id, payloads) for row in rows],
            page,
            after,
            lambda session: domain.count_entity_history(session, *entity),
        )


def _node(row: AuditRow, entity_id: strawberry.ID, payload: bool) -> AuditEvent:
    """The event; its `data` only for a reader who may read the entity it describes."""
    return AuditEvent(
        row=row,
        sequence=row.id or 0,
        occurred_at=row.occurred_at,
        actor=row.actor,
        action=row.action,
        entity_id=entity_id,
        data=cast(JSON, row.data if payload else {}),  # JSON is a NewType of object
        data_withheld=not payload,
        hash=row.hash,
        prev_hash=row.prev_hash,
    )
