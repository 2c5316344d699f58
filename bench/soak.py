"""Soak run: the multi-worker topology on PostgreSQL under a steady mix for a long while.

    python -m bench.soak --seconds 600      # `make soak` (SOAK_SECONDS=600 by default)

A fresh PostgreSQL database (migrated, demo catalogue), `market serve --workers 2` and, when
the Meilisearch binary has been fetched, Meilisearch and `market worker`, all on 127.0.0.1.
Several OAuth clients (partners, a manufacturer, a curator) each keep a few requests in
flight: catalogue pages, product lookups, searches and quote requests (operations the schema
does not offer are left out and named). Reported: requests and errors, p50/p99 per minute,
and each process's RSS after a warm-up and at the end, checked against the targets: no 5xx,
no 4xx nor errors in answers, last minute's p99 within 1.5x of the first's, RSS growth under
10%. Rate limits are set out of reach: this measures the service, not the limiter. Tokens are
renewed at half their lifetime, as a well-behaved client does.
"""

import asyncio
import os
import random
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

import asyncpg
import httpx
import typer
from sqlalchemy.engine import make_url

from api.children import spawn, stop, stop_signals_raise
from api.migrate import migrate
from api.topology import LOCAL_REDIS, redis_reachable
from bench.server import free_port
from catalog.core.db import Database

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("SOAK_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
CLIENTS = ["demo-partner-PL", "demo-partner-DE", "demo-partner-DK", "demo-manufacturer-1"]
CLIENTS += ["demo-curator"]
IN_FLIGHT_PER_CLIENT = 2
TOKENS_IN_WARM_UP = 3  # token renewals per client before the RSS baseline (see soak())

LIST = """query($category: ProductCategory, $after: String) {
  products(first: 20, after: $after, filter: {category: $category}) {
    edges { cursor node { id name category unitsAvailable manufacturer { name } } }
    pageInfo { hasNextPage endCursor } } }"""
PRODUCT = "query($id: ID!) { product(id: $id) { id name summary controlEntry techTransfer } }"
SEARCH = """query($q: String!) { search(query: $q, first: 10) {
  edges { node { id name } highlights } facets { name values { value count } } } }"""
TEXT = "query($q: String!) { products(first: 10, filter: {text: $q}) { edges { node { id } } } }"
QUOTE = """mutation($input: RequestQuoteInput!) { requestQuote(input: $input) {
  quoteRequest { id status } errors { code message } } }"""
WORDS = ["drone", "naval", "ground", "software", "recon", "strike", "sonar", "autonomy"]
CATEGORIES = [None, "GROUND_DRONE", "NAVAL_DRONE", "SOFTWARE"]


@dataclass
class Sample:
    at: float
    operation: str
    status: int
    error_code: str | None  # GraphQL error or payload error code, if any
    latency_ms: float


@dataclass
class Client:
    slug: str
    token: str
    credentials: tuple[str, str] = ("", "")
    renew_at: float = 0.0  # monotonic time after which the token is renewed
    renewing: asyncio.Lock = field(default_factory=asyncio.Lock)
    product_ids: list[str] = field(default_factory=list)
    units: dict[str, int] = field(default_factory=dict)  # units available for export

    async def bearer(self, http: httpx.AsyncClient) -> str:
        """The access token, renewed well before it expires: a soak outlasts a token, and a
        client that let its token expire would measure 401s, not the service."""
        if time.monotonic() >= self.renew_at:
            async with self.renewing:
                if time.monotonic() >= self.renew_at:
                    self.token, self.renew_at = await fetch_token(http, self.credentials)
        return self.token

    @property
    def is_partner(self) -> bool:
        return self.slug.startswith("demo-partner-")


async def prepare_database() -> tuple[str, str]:
    name = f"market_soak_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    url = str(make_url(ADMIN_URL).set(database=name))
    await asyncio.to_thread(migrate, url)
    from catalog.demo.seed import seed_demo

    db = Database(url, pool_size=2)
    try:
        await seed_demo(db)
    finally:
        await db.dispose()
    return name, url


async def drop_database(name: str) -> None:
    admin = await asyncpg.connect(ADMIN_URL)
    try:
        await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        await admin.close()


async def start_search(url: str) -> tuple[Any, dict[str, str]]:
    """Meilisearch from the pinned binary, indexed, when it has been fetched (`make meili`) and
    SOAK_SEARCH is not `sql`; otherwise searches run on the sql backend."""
    from search.factory import build_backend
    from search.meili_server import MeiliServer, binary_path

    binary = binary_path()
    if binary is None or os.environ.get("SOAK_SEARCH") == "sql":
        return None, {"SEARCH_BACKEND": "sql"}
    server = MeiliServer(binary)
    await asyncio.to_thread(server.start)
    db = Database(url, pool_size=2)
    try:
        backend: Any = build_backend(
            "meilisearch", db, meili_url=server.url, meili_key=server.master_key
        )
        await backend.ensure_index()
        async for _ in backend.reindex():
            pass
    finally:
        await db.dispose()
    env = {
        "SEARCH_BACKEND": "meilisearch",
        "MEILI_URL": server.url,
        "MEILI_MASTER_KEY": server.master_key,
    }
    return server, env


def start_topology(
    url: str, port: int, log: Path, search_env: dict[str, str]
) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        **search_env,
        "DATABASE_URL": url,
        "MARKET_ENV": "production",
        "ISSUER": f"http://127.0.0.1:{port}",
        "RATE_LIMIT_CAPACITY": "100000000",
        "RATE_LIMIT_RESTORE_RATE": "100000000",
        "TOKEN_ATTEMPTS_CAPACITY": "1000",
    }
    if redis_reachable(LOCAL_REDIS):
        env["REDIS_URL"] = LOCAL_REDIS
    serve = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "2"]
    out = log.open("ab")
    # Both die with the soak even when it is killed outright (api/children.py).
    processes = [spawn(serve, cwd=ROOT, env=env, stdout=out, stderr=out)]
    if env.get("SEARCH_BACKEND") == "meilisearch":
        worker = [sys.executable, "-m", "api.cli", "worker"]
        processes.append(spawn(worker, cwd=ROOT, env=env, stdout=out, stderr=out))
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1).status_code == 200:
                return processes
        except httpx.TransportError:
            time.sleep(0.2)
    raise RuntimeError(f"the API did not start:\n{log.read_text()[-3000:]}")


def rss_by_process(processes: list[subprocess.Popen[bytes]]) -> dict[str, float]:
    """RSS in MiB of each API worker (children of the serve process) and the background worker."""
    found: dict[str, float] = {}
    serve = processes[0].pid
    children = Path(f"/proc/{serve}/task/{serve}/children").read_text().split()
    # uvicorn's multiprocessing also starts a resource tracker: not a worker.
    workers = [
        int(pid)
        for pid in children
        if b"resource_tracker" not in Path(f"/proc/{pid}/cmdline").read_bytes()
    ]
    pids = [(f"api-{n}", pid) for n, pid in enumerate(workers, start=1)]
    pids += [("worker", p.pid) for p in processes[1:]]
    for name, pid in pids:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                found[name] = int(line.split()[1]) / 1024
    return found


async def login(http: httpx.AsyncClient, url: str, slug: str) -> Client:
    from auth.clients import create_client

    db = Database(url, pool_size=1)
    try:
        created = await create_client(
            db,
            org_slug=slug,
            scopes=None,
            name=f"soak {slug}",
            officer_email=f"soak.{slug.lower()}@officers.test",
        )
    finally:
        await db.dispose()
    credentials = (created.client_id, created.client_secret)
    token, renew_at = await fetch_token(http, credentials)
    client = Client(slug, token, credentials, renew_at)
    page = await graphql(http, client, LIST, {})
    nodes = [edge["node"] for edge in page["data"]["products"]["edges"]]
    client.product_ids = [node["id"] for node in nodes]
    client.units = {node["id"]: node["unitsAvailable"] for node in nodes}
    return client


async def fetch_token(http: httpx.AsyncClient, credentials: tuple[str, str]) -> tuple[str, float]:
    """A token and when to renew it (at half its lifetime)."""
    answer = await http.post(
        "/oauth/token", data={"grant_type": "client_credentials"}, auth=credentials
    )
    answer.raise_for_status()
    body = answer.json()
    return str(body["access_token"]), time.monotonic() + int(body["expires_in"]) / 2


async def graphql(http: httpx.AsyncClient, client: Client, query: str, variables: dict) -> Any:
    answer = await http.post(
        "/graphql",
        json={"query": query, "variables": variables},
        headers={"Authorization": f"Bearer {client.token}"},
    )
    return answer.json()


def choose(client: Client, offered: set[str]) -> tuple[str, str, dict[str, Any]]:
    roll = random.random()
    quotable = [pid for pid in client.product_ids if client.units.get(pid, 0) > 0]
    if roll < 0.1 and client.is_partner and "quote" in offered and quotable:
        country = client.slug.rsplit("-", 1)[1]
        product_id = random.choice(quotable)
        quote = {
            "productId": product_id,
            "quantity": random.randint(1, min(20, client.units[product_id])),
            "deliveryCountry": country,
            "endUser": "Ministry of Defence",
            "endUse": "Territorial defence units, soak test",
            "idempotencyKey": uuid.uuid4().hex,
        }
        return "quote", QUOTE, {"input": quote}
    if roll < 0.35:
        word = random.choice(WORDS)
        return (
            ("search", SEARCH, {"q": word}) if "search" in offered else ("text", TEXT, {"q": word})
        )
    if roll < 0.55 and client.product_ids:
        return "product", PRODUCT, {"id": random.choice(client.product_ids)}
    return "list", LIST, {"category": random.choice(CATEGORIES)}


async def offered_operations(http: httpx.AsyncClient, partner: Client) -> set[str]:
    """Which optional operations the schema has: a probe that fails validation means no."""
    offered = set()
    probes = {
        "search": (SEARCH, {"q": "drone"}),
        "quote": (QUOTE, {"input": {}}),
    }
    for name, (query, variables) in probes.items():
        body = await graphql(http, partner, query, variables)
        messages = " ".join(e.get("message", "") for e in body.get("errors", []))
        if "Cannot query field" not in messages and "Unknown type" not in messages:
            offered.add(name)
    return offered


async def drive(
    http: httpx.AsyncClient, client: Client, offered: set[str], until: float, out: list[Sample]
) -> None:
    while time.monotonic() < until:
        operation, query, variables = choose(client, offered)
        token = await client.bearer(http)
        started = time.monotonic()
        try:
            answer = await http.post(
                "/graphql",
                json={"query": query, "variables": variables},
                headers={"Authorization": f"Bearer {token}"},
            )
            status = answer.status_code
            code = _error_code(answer.json()) if status < 500 else f"HTTP {status}"
        except httpx.HTTPError as error:
            status, code = 599, type(error).__name__  # no answer at all: counted with the 5xx
        out.append(Sample(started, operation, status, code, (time.monotonic() - started) * 1000))


def _error_code(body: dict[str, Any]) -> str | None:
    errors = body.get("errors") or ((body.get("data") or {}).get("requestQuote") or {}).get(
        "errors"
    )
    if not errors:
        return None
    return str(errors[0].get("code") or errors[0].get("extensions", {}).get("code") or "UNCODED")


def percentile(values: list[float], q: float) -> float:
    if len(values) < 2:
        return values[0] if values else 0.0
    return statistics.quantiles(values, n=100, method="inclusive")[q - 1]


def report(samples: list[Sample], start: float, rss: tuple[dict, dict], offered: set[str]) -> bool:
    minutes: dict[int, list[Sample]] = defaultdict(list)
    for sample in samples:
        minutes[int((sample.at - start) // 60)].append(sample)
    print("| minute | requests | 4xx | 5xx | errors in answers | p50 ms | p99 ms |")
    print("|---|---|---|---|---|---|---|")
    p99s = []
    for minute in sorted(minutes):
        batch = minutes[minute]
        latencies = [s.latency_ms for s in batch]
        failed = sum(s.error_code is not None for s in batch)
        p99s.append(percentile(latencies, 99))
        print(
            f"| {minute + 1} | {len(batch)} | {sum(400 <= s.status < 500 for s in batch)} "
            f"| {sum(s.status >= 500 for s in batch)} | {failed} "
            f"| {percentile(latencies, 50):.1f} | {p99s[-1]:.1f} |"
        )
    by_op = defaultdict(int)
    for sample in samples:
        by_op[sample.operation] += 1
    print("\noperations:", ", ".join(f"{op} {n}" for op, n in sorted(by_op.items())))
    codes: dict[str, int] = defaultdict(int)
    for sample in samples:
        if sample.error_code:
            codes[f"{sample.operation}: {sample.error_code}"] += 1
    if codes:
        print("errors:", ", ".join(f"{what} x{n}" for what, n in sorted(codes.items())))
    missing = {"search", "quote"} - offered
    if missing:
        print("not offered by this schema (left out):", ", ".join(sorted(missing)))
    before, after = rss
    print("\n| process | RSS start MiB | RSS end MiB | growth |")
    print("|---|---|---|---|")
    growth = {}
    for name in sorted(before):
        if name in after:
            growth[name] = after[name] / before[name] - 1
            print(f"| {name} | {before[name]:.1f} | {after[name]:.1f} | {growth[name]:+.1%} |")
    checks = {
        "no 5xx": all(s.status < 500 for s in samples),
        # Every operation the driver sends is valid for its client: any 4xx or error in an
        # answer is a fault of the service or of the run, and must not pass unnoticed.
        "no 4xx and no errors in answers": all(
            s.status < 400 and s.error_code is None for s in samples
        ),
        "p99 stable (last minute <= 1.5x first)": len(p99s) < 2 or p99s[-1] <= 1.5 * p99s[0],
        "RSS growth under 10%": all(g < 0.10 for g in growth.values()),
    }
    print()
    for name, ok in checks.items():
        print(f"{'PASS' if ok else 'FAIL'}  {name}")
    return all(checks.values())


async def soak(seconds: int) -> bool:
    name, url = await prepare_database()
    port = free_port()
    log = Path(os.environ.get("SOAK_LOG", f"/tmp/market-soak-{port}.log"))  # noqa: S108
    search, search_env = await start_search(url)
    processes = start_topology(url, port, log, search_env)
    try:
        limits = httpx.Limits(max_connections=len(CLIENTS) * IN_FLIGHT_PER_CLIENT)
        async with httpx.AsyncClient(
            base_url=f"http://127.0.0.1:{port}", timeout=30, limits=limits
        ) as http:
            clients = [await login(http, url, slug) for slug in CLIENTS]
            offered = await offered_operations(http, clients[0])

            async def run_for(duration: float, samples: list[Sample]) -> None:
                until = time.monotonic() + duration
                in_flight = [
                    drive(http, client, offered, until, samples)
                    for client in clients
                    for _ in range(IN_FLIGHT_PER_CLIENT)
                ]
                await asyncio.gather(*in_flight)

            # Warm-up (not reported) so that the starting RSS is that of a warm worker. A
            # worker's first token requests start its thread pool (the secret check runs
            # there), a one-time step of tens of MB: renewing a few tokens here lets every
            # worker take that step before the RSS baseline is read.
            for _ in range(TOKENS_IN_WARM_UP):
                for client in clients:
                    client.token, client.renew_at = await fetch_token(http, client.credentials)
            await run_for(min(60, max(5, seconds // 10)), [])
            rss_start = rss_by_process(processes)
            samples: list[Sample] = []
            start = time.monotonic()
            await run_for(seconds, samples)
            rss_end = rss_by_process(processes)
        print(
            f"soak: {seconds} s after a warm-up, {len(CLIENTS)} clients x "
            f"{IN_FLIGHT_PER_CLIENT} in flight, 2 API workers, PostgreSQL, "
            f"search on {search_env['SEARCH_BACKEND']}; "
            f"{os.cpu_count()} CPUs; log {log}\n"
        )
        return report(samples, start, (rss_start, rss_end), offered)
    finally:
        for process in processes:
            stop(process, timeout=30)
        if search is not None:
            await asyncio.to_thread(search.close)
        await drop_database(name)


def main(
    seconds: Annotated[int, typer.Option(help="How long to drive load")] = int(
        os.environ.get("SOAK_SECONDS", "600")
    ),
) -> None:
    with stop_signals_raise():  # SIGTERM too unwinds: servers stopped, database dropped
        ok = asyncio.run(soak(seconds))
    raise typer.Exit(code=0 if ok else 1)


if __name__ == "__main__":
    typer.run(main)
