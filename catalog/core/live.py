"""Live events: committed outbox rows as GraphQL subscriptions see them.

The outbox is the source (events follow commits and survive crashes); on PostgreSQL each
transaction that moves writes' rows into the outbox also sends a `NOTIFY` on `OUTBOX_CHANNEL`,
delivered only when it commits, so every API process wakes up and reads the new rows
(notify/live.py). On SQLite
(one process) the rows are polled. `LiveFeed` is what a subscription resolver reads: the
events of its topics, each one already re-checked against the subscriber's access.
"""

from collections.abc import AsyncIterator
from dataclasses import dataclass
from typing import Any, Protocol

import sqlalchemy as sa

OUTBOX_CHANNEL = "market_outbox"


@dataclass(frozen=True, slots=True)
class LiveEvent:
    id: int
    topic: str
    entity_type: str
    entity_id: str


class SlowConsumer(Exception):
    """The subscriber fell further behind than its queue allows; it is dropped, not buffered."""


class LiveFeed(Protocol):
    def events(self, topics: frozenset[str]) -> AsyncIterator[LiveEvent]:
        """Events of `topics` committed after the call, in outbox order, each one delivered
        only after the subscriber's access was re-checked (the context's principal is then the
        re-checked one)."""
        ...


def announcement() -> sa.ColumnElement[Any]:
    """Selected in a transaction, it wakes the live listeners of every process when that
    transaction commits (PostgreSQL delivers a NOTIFY at commit, never for a rolled-back
    transaction). The chain's appender, which moves writes' rows into the outbox, selects it
    with its lock (catalog/core/appender.py)."""
    return sa.func.pg_notify(OUTBOX_CHANNEL, "")
