"""A throw-away Meilisearch server holding the index of a loaded benchmark database."""

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from rich.console import Console
from rich.progress import Progress

from catalog.core.db import Database
from search.indexer import rebuild
from search.meili import MeiliSearch
from search.meili_server import MeiliServer, binary_path

INDEX = "products"
BATCH = 2000


@asynccontextmanager
async def meili_index(
    database_url: str, products: int, console: Console
) -> AsyncIterator[dict[str, str]]:
    """Starts Meilisearch, indexes every product of the database and yields the environment
    that points the API at it; the server and its data are gone afterwards."""
    binary = binary_path()
    if binary is None:
        raise RuntimeError("the Meilisearch binary is missing: run `make meili`")
    server = MeiliServer(binary, indexing_threads=2)
    await asyncio.to_thread(server.start)
    try:
        db = Database(database_url)
        try:
            backend = MeiliSearch(db, server.url, server.master_key, INDEX)
            started = time.perf_counter()
            with Progress(console=console, transient=True) as progress:
                task = progress.add_task("indexing into Meilisearch", total=products)
                async for count in rebuild(db, backend, BATCH):
                    progress.update(task, advance=count)
            took = time.perf_counter() - started
            console.print(f"meilisearch: {products:,} products indexed in {took:.1f} s")
        finally:
            await db.dispose()
        yield {
            "SEARCH_BACKEND": "meilisearch",
            "MEILI_URL": server.url,
            "MEILI_MASTER_KEY": server.master_key,
            "MEILI_INDEX": INDEX,
        }
    finally:
        await asyncio.to_thread(server.close)
