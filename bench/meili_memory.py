"""Meilisearch's memory: the peak RSS of the server while it indexes and answers searches.

    python -m bench.meili_memory                                # the demo catalogue (30)
    python -m bench.meili_memory --products 100000              # generated, on PostgreSQL
    python -m bench.meili_memory --products 100000 --max-indexing-memory 256MiB

Meilisearch is started as the project starts it (search/meili_server.py: `--max-indexing-memory`
from MEILI_MAX_INDEXING_MEMORY, or an eighth of the machine's memory up to 1 GiB; `none` here
leaves Meilisearch's own default, two thirds of the memory). The catalogue is indexed from the
database as `market reindex` does, then searched; reported: indexing time and peak RSS (VmHWM).
"""

import asyncio
import tempfile
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer
from rich.console import Console

from api.children import stop_signals_raise
from api.migrate import migrate
from bench.databases import loaded_database
from catalog.core.db import Database
from catalog.demo.seed import seed_demo
from search.indexer import rebuild
from search.meili import MeiliSearch
from search.meili_server import MeiliServer, binary_path, machine_memory_bytes

WORDS = ["drone", "naval", "ground", "software", "recon", "sonar", "autonomy", "kremin"]


def peak_rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc status")


async def index_and_search(url: str, server: MeiliServer, console: Console) -> None:
    db = Database(url)
    try:
        backend = MeiliSearch(db, server.url, server.master_key, "products")
        await backend.ensure_index()
        started = time.perf_counter()
        indexed = 0
        async for count in rebuild(db, backend, 2000):
            indexed += count
        took = time.perf_counter() - started
    finally:
        await db.dispose()
    headers = {"Authorization": f"Bearer {server.master_key}"}
    async with httpx.AsyncClient(base_url=server.url, headers=headers, timeout=30) as http:
        for word in WORDS * 10:
            answer = await http.post("/indexes/products/search", json={"q": word, "limit": 20})
            answer.raise_for_status()
    assert server.process is not None
    console.print(
        f"{indexed:,} products indexed in {took:.1f} s; --max-indexing-memory "
        f"{server.max_indexing_memory}; peak RSS {peak_rss_mib(server.process.pid):.0f} MiB"
    )


async def measure(products: int, memory: str | None, console: Console) -> None:
    binary = binary_path()
    if binary is None:
        raise RuntimeError("the Meilisearch binary is missing: run `make meili`")
    server = MeiliServer(binary, indexing_threads=2, max_indexing_memory=memory)
    if memory == "none":  # Meilisearch's own default
        server.max_indexing_memory = f"{2 * machine_memory_bytes() // 3 // 2**20}MiB"
    with tempfile.TemporaryDirectory(prefix="market-meili-memory-") as tmp:
        if products:
            async with loaded_database("postgres", products, 1, Path(tmp), console) as loaded:
                await asyncio.to_thread(server.start)
                try:
                    await index_and_search(loaded.url, server, console)
                finally:
                    await asyncio.to_thread(server.close)
            return
        url = f"sqlite+aiosqlite:///{tmp}/demo.db"
        await asyncio.to_thread(migrate, url)
        await seed(url)
        await asyncio.to_thread(server.start)
        try:
            await index_and_search(url, server, console)
        finally:
            await asyncio.to_thread(server.close)


async def seed(url: str) -> None:
    db = Database(url)
    try:
        await seed_demo(db)
    finally:
        await db.dispose()


def main(
    products: Annotated[int, typer.Option(help="0: the demo catalogue; else generated")] = 0,
    max_indexing_memory: Annotated[
        str | None, typer.Option(help="e.g. 256MiB, 2GiB; `none`: Meilisearch's default")
    ] = None,
) -> None:
    with stop_signals_raise():
        asyncio.run(measure(products, max_indexing_memory, Console()))


if __name__ == "__main__":
    typer.run(main)
