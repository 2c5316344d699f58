"""`market run-prod`: the production topology on one machine, for trying it out locally.

PostgreSQL (the database is created when missing, then migrated and seeded with the demo
catalogue), Meilisearch from the pinned binary when it has been fetched, N API worker processes
behind one port (`market serve --workers N`) and one background worker draining the outbox
(`market worker`: webhook deliveries, and the search index on Meilisearch). Everything the
processes share lives in PostgreSQL (and Redis for the rate limit buckets when it is
reachable). The children are supervised (api/supervisor.py): restarted when they exit, all
stopped on SIGTERM/SIGINT, and killed by the kernel if run-prod itself dies (api/children.py).
On real hosts each piece runs on its own: see docs/deployment.md.
"""

import asyncio
import os
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import asyncpg
from sqlalchemy.engine import make_url

from api import children
from api.supervisor import Child

ROOT = Path(__file__).resolve().parent.parent
LOCAL_REDIS = "redis://127.0.0.1:6379/0"


async def ensure_database(database_url: str) -> bool:
    """Create the PostgreSQL database named in the URL if it does not exist; True if created."""
    url = make_url(database_url)
    if url.get_backend_name() != "postgresql":
        return False
    name = url.database or "postgres"
    admin = str(url.set(drivername="postgresql", database="postgres"))
    conn = await asyncpg.connect(admin, timeout=10)
    try:
        if await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name):
            return False
        await conn.execute(f'CREATE DATABASE "{name.replace(chr(34), "")}"')
        return True
    finally:
        await conn.close()


def redis_reachable(url: str) -> bool:
    parsed = urlparse(url)
    try:
        with socket.create_connection((parsed.hostname or "127.0.0.1", parsed.port or 6379), 1):
            return True
    except OSError:
        return False


def market(*arguments: str) -> list[str]:
    return [sys.executable, "-m", "api.cli", *arguments]


def prepare(database_url: str, say: Callable[[str], None]) -> None:
    if asyncio.run(ensure_database(database_url)):
        say(f"created database {make_url(database_url).database}")
    for step in (["migrate"], ["seed-demo"]):
        children.run(market(*step), cwd=ROOT, check=True)


def start_search(env: dict[str, str], say: Callable[[str], None]) -> Any:
    """Meilisearch from the pinned binary (`make meili`), its index rebuilt from the database;
    None when SEARCH_BACKEND=sql is asked for or the binary has not been fetched."""
    from search.meili_server import MeiliServer, binary_path

    if os.environ.get("SEARCH_BACKEND") == "sql":
        return None
    binary = binary_path()
    if binary is None:
        say("Meilisearch binary not fetched (`make meili`): search runs on the sql backend")
        return None
    data = Path("var/prod-meilisearch")  # beside the working directory's other var/ files
    data.mkdir(parents=True, exist_ok=True)
    server = MeiliServer(binary, db_path=data)
    server.start()
    try:
        env.update(
            SEARCH_BACKEND="meilisearch", MEILI_URL=server.url, MEILI_MASTER_KEY=server.master_key
        )
        say(f"Meilisearch on {server.url}; rebuilding the index")
        children.run(market("reindex"), cwd=ROOT, env={**os.environ, **env}, check=True)
    except BaseException:  # a failed reindex, or a stop signal: the server goes too
        server.stop()
        raise
    return server


def plan(host: str, port: int, api_workers: int, env: dict[str, str]) -> list[Child]:
    """The API workers and the one background worker draining the outbox (webhook deliveries,
    and the search index when it lives in Meilisearch)."""
    serve = market("serve", "--host", host, "--port", str(port), "--workers", str(api_workers))
    return [Child("api", serve, env), Child("worker", market("worker"), env)]
