"""`market run-prod` as an operator runs it, over PostgreSQL: it restarts a child that dies,
stops every process it started on SIGTERM and when it is killed itself, and rides out a
database outage under load (its API answers 503 while PostgreSQL is down, 200 after). The
tests are async and wait in a thread, so that the session's event loop keeps running."""

import asyncio
import json
import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from api.children import spawn
from tests.databases import PostgresTemplates
from tests.live import free_port
from tests.private_postgres import PrivatePostgres, running_cluster
from tests.processes import ROOT, Proc, descendants, wait_gone
from tests.tokens import bearer

PRODUCTS = "{ products(first: 5) { edges { node { name } } } }"


@dataclass
class RunProd:
    process: subprocess.Popen
    base_url: str
    log: Path
    credentials: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-6000:]

    def child(self, kind: str) -> int | None:
        """The pid of run-prod's `serve` or `worker` child."""
        for proc in descendants(self.process.pid):
            if proc.parent != self.process.pid:
                continue
            try:
                command = Path(f"/proc/{proc.pid}/cmdline").read_bytes().split(b"\0")
            except FileNotFoundError:
                continue
            if command[1:4] == [b"-m", b"api.cli", kind.encode()]:
                return proc.pid
        return None

    def wait_for(self, text: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while text not in self.log.read_text(errors="replace"):
            assert self.process.poll() is None, f"run-prod exited:\n{self.output()}"
            assert time.monotonic() < deadline, f"no {text!r} in:\n{self.output()}"
            time.sleep(0.2)

    def wait_healthy(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while True:
            assert self.process.poll() is None, f"run-prod exited:\n{self.output()}"
            try:
                if httpx.get(f"{self.base_url}/healthz", timeout=1).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, f"run-prod did not serve:\n{self.output()}"
            time.sleep(0.3)

    def partner(self) -> tuple[str, str]:
        pair = json.loads(self.credentials.read_text())["demo-partner-PL"]
        return pair["client_id"], pair["client_secret"]


def start_run_prod(database_url: str, tmp_path: Path, env: dict[str, str] | None = None) -> RunProd:
    run = launch_run_prod(database_url, tmp_path, env)
    try:
        run.wait_healthy()
    except BaseException:
        run.process.kill()
        run.process.wait()
        raise
    return run


def launch_run_prod(
    database_url: str, tmp_path: Path, env: dict[str, str] | None = None, port: int | None = None
) -> RunProd:
    port = port or free_port()
    credentials = tmp_path / "credentials.json"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "DEMO_CREDENTIALS_FILE": str(credentials),
        "PYTHONPATH": str(ROOT),
        # One client drives the load: the cost budget is not what is under test.
        "RATE_LIMIT_CAPACITY": str(10**9),
        "RATE_LIMIT_RESTORE_RATE": str(10**9),
        **(env or {}),
    }
    log = tmp_path / "run-prod.log"
    command = [sys.executable, "-m", "api.cli", "run-prod", "--port", str(port), "--workers", "2"]
    with log.open("ab") as out:  # in tmp_path: its var/prod-meilisearch is the test's own
        process = spawn(command, cwd=tmp_path, env=environment, stdout=out, stderr=out)
    return RunProd(process, f"http://127.0.0.1:{port}", log, credentials)


@pytest.fixture
async def prod_database(postgres_templates: PostgresTemplates | None) -> AsyncIterator[str]:
    """The URL of a database that does not exist yet: run-prod creates it."""
    if postgres_templates is None:
        pytest.skip("PostgreSQL is not reachable (set REQUIRE_POSTGRES=1 to fail instead)")
    name = f"market_prod_{uuid.uuid4().hex[:8]}"
    yield postgres_templates.url_for(name)
    await postgres_templates.drop(name)


def _stop(run: RunProd, sig: int) -> tuple[int, list[Proc]]:
    below = descendants(run.process.pid)
    run.process.send_signal(sig)
    try:
        code = run.process.wait(timeout=90)
    finally:
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()
    return code, wait_gone(below)


async def test_run_prod_restarts_a_crashed_child_and_stops_everything_on_sigterm(
    prod_database: str, tmp_path: Path
) -> None:
    await asyncio.to_thread(_restart_then_sigterm, prod_database, tmp_path)


def _restart_then_sigterm(prod_database: str, tmp_path: Path) -> None:
    run = start_run_prod(prod_database, tmp_path)
    try:
        worker, api = run.child("worker"), run.child("serve")
        assert worker and api, run.output()

        os.kill(worker, signal.SIGKILL)
        run.wait_for("worker exited with signal SIGKILL")
        run.wait_for("restarted worker")
        assert run.child("worker") not in (None, worker)

        # The API child taken down whole: its own uvicorn workers go with it (they die with
        # their parent), and run-prod starts it again on the same port.
        api_workers = descendants(api)
        os.kill(api, signal.SIGKILL)
        run.wait_for("api exited with signal SIGKILL")
        assert wait_gone(api_workers) == []
        run.wait_for("restarted api")
        run.wait_healthy(timeout=60)
        assert run.child("serve") not in (None, api)

        code, left = _stop(run, signal.SIGTERM)
    finally:
        if run.process.poll() is None:
            run.process.kill()
            run.process.wait()
    assert left == [], f"left running: {left}\n{run.output()}"
    assert code == 0, run.output()
    assert "SIGTERM received: stopping" in run.output()


async def test_run_prod_killed_outright_takes_every_child_with_it(
    prod_database: str, tmp_path: Path
) -> None:
    await asyncio.to_thread(_kill_outright, prod_database, tmp_path)


def _kill_outright(prod_database: str, tmp_path: Path) -> None:
    run = start_run_prod(prod_database, tmp_path)
    names = sorted(proc.name for proc in descendants(run.process.pid))
    code, left = _stop(run, signal.SIGKILL)
    assert code == -signal.SIGKILL
    assert left == [], f"left running after run-prod was killed: {left} (of {names})"


async def test_run_prod_gives_up_on_a_child_that_keeps_crashing(
    prod_database: str, tmp_path: Path
) -> None:
    await asyncio.to_thread(_crash_loop, prod_database, tmp_path)


def _crash_loop(prod_database: str, tmp_path: Path) -> None:
    """Its port is taken, so the API child fails as soon as it starts, every time."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        run = launch_run_prod(prod_database, tmp_path, {"SEARCH_BACKEND": "sql"}, port=port)
        try:
            code = run.process.wait(timeout=150)
            below = descendants(run.process.pid)
        finally:
            if run.process.poll() is None:
                run.process.kill()
                run.process.wait()
    log = run.log.read_text(errors="replace")
    assert code == 1, run.output()
    # uvicorn's status for a failed start (the port) is 3.
    assert log.count("api exited with status 3 after") == 4, run.output()
    assert log.count("restarted api") == 4
    assert "api exited 5 times within 60 s (the last with status 3" in log
    assert "it keeps crashing right after it starts, so run-prod gives up" in log
    assert below == [], below  # the worker, healthy all along, was stopped with the rest


async def _load(http: httpx.AsyncClient, base: str, token: str, until: asyncio.Event) -> list:
    """Requests one after another until told to stop: (time, status or error, error code)."""
    seen = []
    while not until.is_set():
        try:
            answer = await http.post(
                f"{base}/graphql", json={"query": PRODUCTS}, headers=bearer(token)
            )
        except httpx.TransportError as error:  # the API itself is gone: never acceptable
            seen.append((time.monotonic(), type(error).__name__, None))
        else:
            errors = answer.json().get("errors") or [{}]
            code = errors[0].get("extensions", {}).get("code")
            seen.append((time.monotonic(), answer.status_code, code))
        await asyncio.sleep(0.02)
    return seen


async def _ride_out_an_outage(run: RunProd, cluster: PrivatePostgres, outage: float) -> dict:
    async with httpx.AsyncClient(timeout=httpx.Timeout(10.0)) as http:
        issued = await http.post(
            f"{run.base_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=run.partner(),
        )
        token = issued.json()["access_token"]
        stop = asyncio.Event()
        loads = [asyncio.create_task(_load(http, run.base_url, token, stop)) for _ in range(3)]
        await asyncio.sleep(1.0)
        stopped_at = time.monotonic()
        await asyncio.to_thread(cluster.stop, "immediate")
        await asyncio.sleep(outage)
        await asyncio.to_thread(cluster.start)
        started_at = time.monotonic()
        deadline = started_at + 30
        while time.monotonic() < deadline:  # until every load has had 200s again
            await asyncio.sleep(0.5)
            if all(task.done() for task in loads):
                break
            recovered = await http.post(
                f"{run.base_url}/graphql", json={"query": PRODUCTS}, headers=bearer(token)
            )
            if recovered.status_code == 200 and "errors" not in recovered.json():
                await asyncio.sleep(2.0)  # and a little longer, under load
                break
        stop.set()
        seen = sorted(entry for load in await asyncio.gather(*loads) for entry in load)
    return {"seen": seen, "stopped_at": stopped_at, "started_at": started_at}


async def test_run_prod_rides_out_a_database_outage_under_load(tmp_path: Path) -> None:
    outage = 6.0
    with running_cluster() as cluster:
        env = {"DB_CONNECT_TIMEOUT_SECONDS": "2", "DB_POOL_SIZE": "4", "SEARCH_BACKEND": "sql"}
        run = await asyncio.to_thread(start_run_prod, cluster.url("market"), tmp_path, env)
        try:
            result = await _ride_out_an_outage(run, cluster, outage)
            alive_after = run.process.poll() is None
            code, left = await asyncio.to_thread(_stop, run, signal.SIGTERM)
        finally:
            if run.process.poll() is None:
                run.process.kill()
                run.process.wait()
    seen, stopped_at, started_at = result["seen"], result["stopped_at"], result["started_at"]
    assert alive_after, f"run-prod did not survive the outage:\n{run.output()}"
    assert code == 0 and left == [], run.output()
    # The API answered every request: 200 before and after, a clear 503 in between; never a
    # refused connection, a 500 or another error.
    assert {(status, code) for _, status, code in seen} <= {
        (200, None),
        (503, "SERVICE_UNAVAILABLE"),
    }, [entry for entry in seen if entry[1] != 200 and entry[2] != "SERVICE_UNAVAILABLE"]
    during = [status for at, status, _ in seen if stopped_at + 2.5 < at < stopped_at + outage]
    assert during and set(during) == {503}, during
    after = [status for at, status, _ in seen if at > started_at][-20:]
    assert after and set(after) == {200}, after
    first_503 = min(at for at, status, _ in seen if status == 503 and at > stopped_at)
    back = min(at for at, status, _ in seen if status == 200 and at > started_at)
    print(  # the figures docs/deployment.md quotes
        f"\nrun-prod outage: {len(seen)} requests, first 503 {first_503 - stopped_at:.2f} s "
        f"after the stop, first 200 {back - started_at:.2f} s after the restart; "
        f"worker restarts: {run.log.read_text(errors='replace').count('restarted worker')}"
    )
