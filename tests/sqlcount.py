"""Counts the SQL statements an engine executes (for N+1 checks)."""

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import event

from catalog.core.db import Database


class StatementCounter:
    def __init__(self) -> None:
        self.statements: list[str] = []

    def __call__(self, conn: Any, cursor: Any, statement: str, *args: Any) -> None:
        self.statements.append(statement)

    @property
    def count(self) -> int:
        return len(self.statements)


@contextmanager
def count_statements(db: Database) -> Iterator[StatementCounter]:
    counter = StatementCounter()
    engines = {id(db.engine): db.engine, id(db.write_engine): db.write_engine}.values()
    for engine in engines:
        event.listen(engine.sync_engine, "before_cursor_execute", counter)
    try:
        yield counter
    finally:
        for engine in engines:
            event.remove(engine.sync_engine, "before_cursor_execute", counter)
