"""Audit events and their connection; cursors are event positions."""

import base64
import binascii
from datetime import datetime
from typing import Any

import strawberry
from strawberry.scalars import JSON
from strawberry.types import Info

from catalog.models import AuditEvent as AuditRow
from schema.context import Context
from schema.loaders import organisation_loader
from schema.relay import bad_input

CURSOR_PREFIX = "audit:"


def encode_cursor(event_id: int) -> str:
    return base64.urlsafe_b64encode(f"{CURSOR_PREFIX}{event_id}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (ValueError, binascii.Error, UnicodeError):
        raw = ""
    digits = raw.removeprefix(CURSOR_PREFIX)
    # Event positions are 64-bit integers in the database: anything longer is not one.
    if raw.startswith(CURSOR_PREFIX) and digits.isascii() and digits.isdigit() and len(digits) < 19:
        return int(digits)
    raise bad_input("after is not a cursor of this list")


@strawberry.type(description="One entry of the append-only, hash-chained audit log.")
class AuditEvent:
    row: strawberry.Private[AuditRow]
    sequence: int = strawberry.field(description="Position in the chain")
    occurred_at: datetime
    actor: str = strawberry.field(description="Who acted: the client or operator")
    action: str
    entity_id: strawberry.ID
    data: JSON = strawberry.field(
        description="What changed; empty when the reader may not read the entity itself"
    )
    data_withheld: bool = strawberry.field(
        description="True when `data` is withheld: the reader lacks the scope that reads the entity"
    )
    hash: str
    prev_hash: str

    @strawberry.field(description="Slug of the organisation the actor acted for")
    async def actor_organisation(self, info: Info[Context, Any]) -> str | None:
        if self.row.actor_org_id is None:
            return None
        org = await organisation_loader(info).load(self.row.actor_org_id)
        return org.slug if org is not None else None
