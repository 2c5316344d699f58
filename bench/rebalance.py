"""After an API worker is killed, does the load spread over the workers again?

    python -m bench.rebalance                       # the bound as configured (default on)
    HTTP_KEEPALIVE_MAX_REQUESTS=0 HTTP_KEEPALIVE_MAX_SECONDS=0 python -m bench.rebalance

`market serve --workers 2` on a fresh SQLite demo database, and 12 clients that each keep one
keep-alive connection busy with catalogue pages. After a warm-up one worker is killed
(SIGKILL) and uvicorn starts a replacement. Reported: each worker's CPU time from the moment
the replacement starts, in 5-second windows, and the requests answered in each.
"""

import asyncio
import json
import os
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Annotated

import httpx
import typer

from api import children
from bench.server import free_port

ROOT = Path(__file__).resolve().parent.parent
PRODUCTS = "{ products(first: 20) { edges { node { name category } } } }"
TICKS = os.sysconf("SC_CLK_TCK")
WINDOW = 5.0


def workers(serve: int) -> list[int]:
    found = Path(f"/proc/{serve}/task/{serve}/children").read_text().split()
    return [int(pid) for pid in found if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()]


def cpu_seconds(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


async def client_loop(base: str, token: str, until: float, counts: list[int]) -> None:
    limits = httpx.Limits(max_connections=1, max_keepalive_connections=1)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as http:
        while time.monotonic() < until:
            try:
                answer = await http.post(
                    "/graphql",
                    json={"query": PRODUCTS},
                    headers={"Authorization": f"Bearer {token}"},
                )
                counts[0 if answer.status_code == 200 else 1] += 1
            except httpx.TransportError:  # the killed worker's connections
                counts[1] += 1


async def measure(base: str, serve: int, token: str, clients: int, seconds: int) -> None:
    counts = [0, 0]
    until = time.monotonic() + seconds
    loops = [asyncio.create_task(client_loop(base, token, until, counts)) for _ in range(clients)]
    await asyncio.sleep(5)
    before = workers(serve)
    os.kill(before[0], signal.SIGKILL)
    while len(alive := workers(serve)) < 2 or before[0] in alive:  # noqa: ASYNC110 - /proc
        await asyncio.sleep(0.1)
    restarted = time.monotonic()
    bound = [os.environ.get(f"HTTP_KEEPALIVE_MAX_{k}", "default") for k in ("REQUESTS", "SECONDS")]
    print(f"keep-alive bound: {bound[0]} requests, {bound[1]} s; {clients} clients")
    print("seconds after the restart | answers | CPU survivor | CPU replacement")
    previous, answered, at = {pid: cpu_seconds(pid) for pid in alive}, counts[0], restarted
    while time.monotonic() + WINDOW <= until:
        await asyncio.sleep(WINDOW)
        now = {pid: cpu_seconds(pid) for pid in alive}
        used = {pid: now[pid] - previous[pid] for pid in alive}
        total = sum(used.values()) or 1.0
        survivor = next(pid for pid in alive if pid in before)
        replacement = next(pid for pid in alive if pid not in before)
        print(
            f"{at - restarted:4.0f}-{time.monotonic() - restarted:<4.0f} | "
            f"{counts[0] - answered:7} | {used[survivor] / total:12.0%} | "
            f"{used[replacement] / total:15.0%}"
        )
        previous, answered, at = now, counts[0], time.monotonic()
    await asyncio.gather(*loops)
    print(f"{counts[1]} requests failed (those in flight on the killed worker)")


def serving(base: str) -> bool:
    try:
        return httpx.get(f"{base}/healthz", timeout=1).status_code == 200
    except httpx.TransportError:
        return False


def prepare(tmp: Path, env: dict[str, str]) -> str:
    for step in (["migrate"], ["seed-demo"]):
        children.run([sys.executable, "-m", "api.cli", *step], cwd=ROOT, env=env, check=True)
    return json.loads(Path(env["DEMO_CREDENTIALS_FILE"]).read_text())["demo-partner-PL"]


def main(
    seconds: Annotated[int, typer.Option(help="Seconds of load in all")] = 40,
    clients: Annotated[int, typer.Option(help="Keep-alive connections")] = 12,
) -> None:
    with (
        tempfile.TemporaryDirectory(prefix="market-rebalance-") as tmp,
        children.stop_signals_raise(),
    ):
        port = free_port()
        env = {
            **os.environ,
            "DATABASE_URL": f"sqlite+aiosqlite:///{tmp}/market.db",
            "DEMO_CREDENTIALS_FILE": f"{tmp}/credentials.json",
            "ISSUER": f"http://127.0.0.1:{port}",
            "RATE_LIMIT_CAPACITY": str(10**12),
            "RATE_LIMIT_RESTORE_RATE": str(10**9),
            "LOG_LEVEL": "WARNING",
        }
        partner = prepare(Path(tmp), env)
        command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port), "--workers", "2"]
        serve = children.spawn(command, cwd=ROOT, env=env, own_group=True)
        try:
            base = f"http://127.0.0.1:{port}"
            while not serving(base) or len(workers(serve.pid)) < 2:
                time.sleep(0.3)
            issued = httpx.post(
                f"{base}/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(partner["client_id"], partner["client_secret"]),
            )
            token = issued.json()["access_token"]
            asyncio.run(measure(base, serve.pid, token, clients, seconds))
        finally:
            children.stop(serve, timeout=30)


if __name__ == "__main__":
    typer.run(main)
