"""Signals that rows of watched tables changed, for in-process caches of those rows.

Installed on every engine a `Database` owns, so every write the application makes, through
the ORM, Core or text SQL, in any process, is seen, whatever code path makes it:

- the connection that wrote is marked, and when it goes back to the pool (after its commit or
  rollback) the database's local change counter moves, so the same process's next request
  never reads a cache filled before the change;
- on PostgreSQL the writing transaction also sends `NOTIFY market_changes`, which the server
  delivers to every listening process when (and only if) the transaction commits.

SQLite needs no notification: other processes see a commit through `PRAGMA data_version`.
"""

import re
from typing import Any, Protocol

from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

CHANNEL = "market_changes"
# The tables the token check caches (auth/client_cache.py): clients, their organisations and
# the revoked-token denylist.
WATCHED_TABLES = ("oauth_client", "organisation", "revoked_token")
_WRITE = re.compile(
    r"^\s*(?:INSERT\s+(?:OR\s+\w+\s+)?INTO|UPDATE|DELETE\s+FROM)\s+\"?("
    + "|".join(WATCHED_TABLES)
    + r")\"?[\s(]",
    re.IGNORECASE,
)
_MARK = "market_changes_pending"


def writes_watched_table(statement: str) -> bool:
    return _WRITE.match(statement) is not None


class Listener(Protocol):
    """A cache's view of other processes' notifications (auth/client_cache.py)."""

    def heard(self) -> int: ...

    async def wait_beyond(self, heard: int) -> None: ...


class ChangeCounter:
    """Moves whenever this process has committed (or rolled back) a write to a watched table."""

    def __init__(self) -> None:
        self.value = 0
        self.listeners: list[Listener] = []

    def bump(self) -> None:
        self.value += 1

    def snapshot(self) -> tuple[int, list[int]]:
        return self.value, [listener.heard() for listener in self.listeners]

    async def propagated(self, before: tuple[int, list[int]]) -> None:
        """After a transaction: when it changed a watched table, until this process's own
        listener has heard of the commit. PostgreSQL signals every listening process at the
        same commit, so by the time the writer answers, the others have been told too; the
        writer's client cannot reach another process before it (bounded wait)."""
        if self.value == before[0]:
            return
        for listener, heard in zip(self.listeners, before[1], strict=False):
            await listener.wait_beyond(heard)


def install(engine: AsyncEngine, counter: ChangeCounter, *, notify: bool) -> None:
    sync_engine = engine.sync_engine

    @event.listens_for(sync_engine, "after_cursor_execute")
    def after_execute(conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        if not writes_watched_table(statement):
            return
        conn.info[_MARK] = True
        if notify:
            # A cursor of its own: the writing cursor may still hold RETURNING rows. (Several
            # notifications in one transaction are delivered as one.)
            cursor = conn.connection.dbapi_connection.cursor()
            try:
                cursor.execute(f"NOTIFY {CHANNEL}")
            finally:
                cursor.close()

    @event.listens_for(sync_engine.pool, "checkin")
    def on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None and record.info.pop(_MARK, False):
            counter.bump()
