"""Load check of live updates: many idle subscriptions on one API worker, what they cost in
memory, and how long one event takes to reach all of them.

    python -m bench.live --subscriptions 1000 [--database-url postgresql://…]

A fresh database (SQLite in a temporary directory unless `--database-url` names an empty
PostgreSQL database) is migrated and seeded with the demo catalogue; `market serve` runs one
worker. One partner client opens `--subscriptions` WebSocket connections (graphql-transport-ws),
each with one `quoteRequestUpdated` subscription. Memory is the server's resident set before
the connections and once they idle; the event is a quote requested over HTTP, timed from just
before the request until the last subscriber has it.
"""

import asyncio
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated, Any

import httpx
import typer
import websockets
from sqlmodel import col, select
from websockets.typing import Subprotocol

from api.migrate import migrate
from auth.clients import create_client
from bench.server import free_port
from catalog.core.db import Database
from catalog.core.enums import TechTransfer
from catalog.core.principal import Principal
from catalog.demo.seed import seed_demo
from catalog.models import Organisation, Product
from catalog.visibility import visible_products

ROOT = Path(__file__).resolve().parent.parent
PROTOCOL = Subprotocol("graphql-transport-ws")
QUOTES = "subscription { quoteRequestUpdated { id status } }"
REQUEST = """mutation($input: RequestQuoteInput!) {
  requestQuote(input: $input) { quoteRequest { id } errors { code message } } }"""
WAIT_SECONDS = 60.0


def rss_mib(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmRSS")


def start_server(
    database_url: str, log: Path, connections: int
) -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MARKET_ENV": "production",
        "ISSUER": base_url,
        "PYTHONPATH": str(ROOT),
        "RATE_LIMIT_CAPACITY": str(10**12),
        "GRAPHQL_WS_MAX_CONNECTIONS_PER_CLIENT": str(connections + 10),
        "GRAPHQL_WS_QUEUE_LIMIT": "100",
    }
    command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "1"]
    with log.open("ab") as out:
        process = subprocess.Popen(  # noqa: S603 (our own interpreter and module)
            command, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{base_url}/healthz", timeout=1).status_code == 200:
                return process, base_url
        except httpx.TransportError:
            pass
        if process.poll() is not None:
            break
        time.sleep(0.2)
    process.kill()
    raise RuntimeError(f"the server did not start:\n{log.read_text()[-3000:]}")


async def _product(db: Database, slug: str) -> Product:
    """A product the partner sees that needs no technology transfer (a plain, fast route)."""
    async with db.read() as session:
        org = await session.scalar(select(Organisation).where(col(Organisation.slug) == slug))
        assert org is not None
        partner = Principal.for_organisation(org, subject="bench", scopes=frozenset())
        product = await session.scalar(
            select(Product)
            .where(
                visible_products(partner),
                col(Product.tech_transfer) == TechTransfer.NONE,
                col(Product.units_available) >= 20,
            )
            .order_by(col(Product.name))
            .limit(1)
        )
    assert product is not None
    return product


async def prepare(database_url: str) -> tuple[str, str, str]:
    """Migrated, seeded; a partner client and a product it may ask about."""
    await asyncio.to_thread(migrate, database_url)
    db = Database(database_url, pool_size=2)
    try:
        await seed_demo(db)
        created = await create_client(db, org_slug="demo-partner-PL", scopes=None, name="bench")
        product = await _product(db, "demo-partner-PL")
    finally:
        await db.dispose()
    from catalog.core.ids import to_global_id

    return created.client_id, created.client_secret, to_global_id("Product", product.id)


class Subscriber:
    def __init__(self) -> None:
        self.received: asyncio.Queue[float] = asyncio.Queue()

    async def run(self, url: str, token: str, ready: asyncio.Event) -> None:
        async with websockets.connect(url, subprotocols=[PROTOCOL], max_queue=16) as socket:
            init = {"type": "connection_init", "payload": {"Authorization": f"Bearer {token}"}}
            await socket.send(json.dumps(init))
            assert json.loads(await socket.recv())["type"] == "connection_ack"
            subscribe = {"id": "1", "type": "subscribe", "payload": {"query": QUOTES}}
            await socket.send(json.dumps(subscribe))
            ready.set()
            async for message in socket:
                body = json.loads(message)
                if body.get("type") == "next":
                    self.received.put_nowait(time.perf_counter())


async def request_quote(http: httpx.AsyncClient, token: str, product_id: str) -> None:
    variables: dict[str, Any] = {
        "input": {
            "productId": product_id,
            "quantity": 1,
            "deliveryCountry": "PL",
            "endUser": "Bench brigade",
            "endUse": "Load check",
            "idempotencyKey": os.urandom(8).hex(),
        }
    }
    answer = await http.post(
        "/graphql",
        json={"query": REQUEST, "variables": variables},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.json()["data"]["requestQuote"]["errors"] == [], answer.text


async def all_received(subscribers: list[Subscriber]) -> list[float]:
    return [await asyncio.wait_for(s.received.get(), WAIT_SECONDS) for s in subscribers]


async def measure(
    base_url: str, pid: int, creds: tuple[str, str, str], count: int, rounds: int
) -> dict[str, Any]:
    client_id, secret, product_id = creds
    async with httpx.AsyncClient(base_url=base_url, timeout=30) as http:
        issued = await http.post(
            "/oauth/token", data={"grant_type": "client_credentials"}, auth=(client_id, secret)
        )
        token = issued.json()["access_token"]
        await request_quote(http, token, product_id)  # warm: modules, pools, caches
        before = rss_mib(pid)
        url = base_url.replace("http://", "ws://") + "/graphql"
        subscribers = [Subscriber() for _ in range(count)]
        readies = [asyncio.Event() for _ in range(count)]
        tasks = []
        for subscriber, ready in zip(subscribers, readies, strict=True):
            tasks.append(asyncio.create_task(subscriber.run(url, token, ready)))
            await ready.wait()
        await asyncio.sleep(2)
        subscribed = rss_mib(pid)
        # graphql-transport-ws does not confirm a subscription: events until all have one.
        while True:
            await request_quote(http, token, product_id)
            await asyncio.sleep(1)
            if all(not s.received.empty() for s in subscribers):
                break
        for subscriber in subscribers:
            while not subscriber.received.empty():
                subscriber.received.get_nowait()
        await asyncio.sleep(2)
        idle = rss_mib(pid)
        latencies, writes = [], []
        for _ in range(rounds):
            start = time.perf_counter()
            await request_quote(http, token, product_id)
            writes.append(time.perf_counter() - start)
            arrivals = await all_received(subscribers)
            latencies.append(max(arrivals) - start)
            await asyncio.sleep(0.5)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
    return {
        "subscriptions": count,
        "rss_before_mib": round(before, 1),
        "rss_subscribed_mib": round(subscribed, 1),
        "rss_idle_mib": round(idle, 1),
        "added_mib": round(idle - before, 1),
        "event_to_all_ms_median": round(statistics.median(latencies) * 1000, 1),
        "event_to_all_ms_max": round(max(latencies) * 1000, 1),
        # Of which the write itself (the mutation's HTTP round trip, commit included).
        "write_ms_median": round(statistics.median(writes) * 1000, 1),
    }


def main(
    subscriptions: Annotated[int, typer.Option()] = 1000,
    rounds: Annotated[int, typer.Option()] = 5,
    database_url: Annotated[str | None, typer.Option()] = None,
) -> None:
    with tempfile.TemporaryDirectory() as directory:
        url = database_url or f"sqlite+aiosqlite:///{directory}/live.db"
        creds = asyncio.run(prepare(url))
        server, base_url = start_server(url, Path(directory) / "server.log", subscriptions)
        try:
            result = asyncio.run(measure(base_url, server.pid, creds, subscriptions, rounds))
        finally:
            server.terminate()
            server.wait(timeout=30)
    backend = "postgres" if url.startswith("postgresql") else "sqlite"
    result["backend"] = backend
    # The machine's load while measuring: on a shared machine the delivery time is mostly
    # waiting for a core.
    result["load_average_1min"] = float(Path("/proc/loadavg").read_text().split()[0])
    result["cpus"] = os.cpu_count()
    print(json.dumps(result))
    limits_met = result["added_mib"] < 100 and result["event_to_all_ms_max"] < 1000
    print("within the limits (< 100 MB, < 1 s)" if limits_met else "OVER THE LIMITS")


if __name__ == "__main__":
    typer.run(main)
