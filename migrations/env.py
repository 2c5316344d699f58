"""Alembic environment: async engines, SQLModel metadata, batch mode for SQLite's ALTER."""

import asyncio
import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel import SQLModel

import catalog.models  # noqa: F401  (registers the tables)
from catalog.core.db import normalise_url

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logging", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = SQLModel.metadata


def database_url() -> str:
    return (
        config.attributes.get("database_url")
        or os.environ.get("DATABASE_URL")
        or "sqlite+aiosqlite:///var/market.db"
    )


# Derived search structures (tables, FTS5 shadow tables, vocabulary, an index on `product`)
# live outside SQLModel.metadata: migrations create them and triggers maintain them.
SEARCH_INDEX_PREFIX = "product_search"


def include_name(name: str | None, type_: str, parent_names: object) -> bool:
    derived = type_ in ("table", "index")
    return not (derived and name is not None and name.startswith(SEARCH_INDEX_PREFIX))


def run_with(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        compare_server_default=False,
        include_name=include_name,
    )
    with context.begin_transaction():
        context.run_migrations()


async def run_online() -> None:
    engine = create_async_engine(normalise_url(database_url()))
    try:
        async with engine.connect() as connection:
            if connection.dialect.name == "sqlite":
                await connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            await connection.run_sync(run_with)
            await connection.commit()
    finally:
        await engine.dispose()


def run_offline() -> None:
    context.configure(
        url=str(normalise_url(database_url())),
        target_metadata=target_metadata,
        literal_binds=True,
        compare_type=True,
    )
    with context.begin_transaction():
        context.run_migrations()


if context.is_offline_mode():
    run_offline()
else:
    existing = config.attributes.get("connection")
    if existing is not None:
        run_with(existing)
    else:
        asyncio.run(run_online())
