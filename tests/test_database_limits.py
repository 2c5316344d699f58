"""PostgreSQL guards: a statement past the timeout is cancelled by the server, not left running."""

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from catalog.core.db import Database
from tests.databases import PostgresTemplates


async def test_statement_timeout_cancels_long_queries(
    postgres_templates: PostgresTemplates | None,
) -> None:
    if postgres_templates is None:
        pytest.skip("PostgreSQL is not reachable")
    name = await postgres_templates.clone()
    db = Database(postgres_templates.url_for(name), statement_timeout_ms=300)
    try:
        async with db.read() as session:
            with pytest.raises(DBAPIError, match="statement timeout"):
                await session.execute(text("SELECT pg_sleep(5)"))
        async with db.read() as session:  # the pool recovers: the next statement works
            assert (await session.execute(text("SELECT 1"))).scalar_one() == 1
    finally:
        await db.dispose()
        await postgres_templates.drop(name)
