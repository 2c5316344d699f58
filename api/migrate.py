"""Schema migrations, run through Alembic for every database."""

import asyncio
from collections.abc import Callable
from pathlib import Path

from alembic import command
from alembic.config import Config

ROOT = Path(__file__).resolve().parent.parent


def alembic_config(database_url: str) -> Config:
    config = Config(str(ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(ROOT / "migrations"))
    config.attributes["database_url"] = database_url
    config.attributes["configure_logging"] = False
    return config


def _in_thread(fn: Callable[..., object], *args: object) -> None:
    """Alembic's env.py runs its own event loop; keep it off any loop that is running."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        fn(*args)
        return
    raise RuntimeError("call migrate() from synchronous code or via asyncio.to_thread")


def migrate(database_url: str, revision: str = "head") -> None:
    _in_thread(command.upgrade, alembic_config(database_url), revision)


def downgrade(database_url: str, revision: str = "base") -> None:
    _in_thread(command.downgrade, alembic_config(database_url), revision)


def missing_table(error: BaseException) -> str | None:
    """The database's words when a statement failed on a table that is not there (SQLite's
    "no such table", PostgreSQL's undefined_table, 42P01): the schema is missing or older than
    the code. None for any other error."""
    from sqlalchemy.exc import DBAPIError

    if not isinstance(error, DBAPIError):
        return None
    cause = error.orig
    if getattr(cause, "sqlstate", None) != "42P01" and "no such table" not in str(cause):
        return None
    return f"{type(cause).__name__}: {str(cause).splitlines()[0]}"
