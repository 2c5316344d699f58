"""No process outlives the command that started it: each command or helper that starts
children is stopped with SIGTERM or SIGINT, or killed outright (SIGKILL, as a crash or the OOM
killer would), and afterwards none of the processes that ran below it is left.

`market run-prod` gets the same test in tests/test_run_prod.py, over PostgreSQL. The tests are
async and wait in a thread: the session's event loop keeps running meanwhile, as the background
work of other fixtures (dropping test databases) needs."""

import asyncio
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from api.children import spawn
from tests.databases import SqliteTemplates
from tests.live import free_port
from tests.meili import meili_binary_or_skip
from tests.processes import ROOT, Proc, descendants, start_api, wait_gone

STOPS = [signal.SIGTERM, signal.SIGINT, signal.SIGKILL]
ENDS = [signal.SIGTERM, signal.SIGKILL]


def _names(processes: list[Proc]) -> list[str]:
    return sorted(proc.name for proc in processes)


def _wait_for(url: str, process: subprocess.Popen, log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text(errors="replace")[-3000:]
        try:
            if httpx.get(url, timeout=1).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise AssertionError(f"{url} did not answer:\n{log.read_text(errors='replace')[-3000:]}")


def _end(process: subprocess.Popen, sig: int, below: list[Proc]) -> int:
    """Send `sig`; the exit status once it has ended; nothing that ran below it may be left."""
    process.send_signal(sig)
    try:
        code = process.wait(timeout=60)
    finally:
        if process.poll() is None:
            process.kill()
    assert wait_gone(below) == [], f"left running after {signal.Signals(sig).name}"
    return code


@pytest.mark.parametrize("sig", STOPS, ids=lambda s: signal.Signals(s).name)
async def test_serve_with_workers_leaves_no_worker(
    sig: int, sqlite_templates: SqliteTemplates, tmp_path: Path
) -> None:
    url = sqlite_templates.url_for(sqlite_templates.clone())
    await asyncio.to_thread(_serve_with_workers, sig, url, tmp_path)


def _serve_with_workers(sig: int, url: str, tmp_path: Path) -> None:
    api = start_api(url, tmp_path, workers=2)
    try:
        workers = api.wait_for_workers(2)
        assert len(workers) == 2, api.output()
        below = descendants(api.process.pid)
        assert set(workers) <= {proc.pid for proc in below}
        code = _end(api.process, sig, below)
    finally:
        api.kill()
    assert code in (0, -signal.SIGTERM, -signal.SIGINT, -signal.SIGKILL), api.output()


@pytest.mark.parametrize("sig", STOPS, ids=lambda s: signal.Signals(s).name)
async def test_serve_with_meili_stops_meilisearch_and_the_worker(
    sig: int, sqlite_templates: SqliteTemplates, tmp_path: Path
) -> None:
    meili_binary_or_skip()
    url = sqlite_templates.url_for(sqlite_templates.clone())
    await asyncio.to_thread(_serve_with_meili, sig, url, tmp_path)


def _serve_with_meili(sig: int, url: str, tmp_path: Path) -> None:
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": url,
        "MARKET_ENV": "test",
        "ISSUER": f"http://127.0.0.1:{port}",
        "PYTHONPATH": str(ROOT),
    }
    log = tmp_path / "serve-with-meili.log"
    command = [sys.executable, "-m", "api.cli", "serve-with-meili", "--port", str(port)]
    with log.open("ab") as out:  # in tmp_path: its var/meilisearch is the test's own
        process = spawn(command, cwd=tmp_path, env=env, stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait_for(f"http://127.0.0.1:{port}/healthz", process, log)
        below = descendants(process.pid)
        assert "meilisearch" in _names(below), _names(below)
        assert len(below) >= 2, _names(below)  # Meilisearch and the outbox worker
        code = _end(process, sig, below)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
    if sig != signal.SIGKILL:
        assert code == 0, log.read_text(errors="replace")[-3000:]  # a stop that was asked for


HELPERS = {
    "tests.processes.start_api": (
        "from tests.processes import start_api\n"
        "child = start_api(sys.argv[1], pathlib.Path(sys.argv[2])).process\n"
    ),
    "search.meili_server.MeiliServer": (
        "from search.meili_server import MeiliServer, binary_path\n"
        "server = MeiliServer(binary_path(), db_path=pathlib.Path(sys.argv[2]))\n"
        "server.start()\n"
        "child = server.process\n"
    ),
    "bench.server.start_server": (
        "from bench.server import start_server\n"
        "child = start_server(sys.argv[1], pathlib.Path(sys.argv[2])).process\n"
    ),
}


@pytest.mark.parametrize("sig", ENDS, ids=lambda s: signal.Signals(s).name)
@pytest.mark.parametrize("helper", sorted(HELPERS))
async def test_a_helper_s_server_ends_with_the_process_that_started_it(
    helper: str, sig: int, sqlite_templates: SqliteTemplates, tmp_path: Path
) -> None:
    """The test run or benchmark that started a server is killed: the server goes too."""
    if "Meili" in helper:
        meili_binary_or_skip()
    url = sqlite_templates.url_for(sqlite_templates.clone())
    await asyncio.to_thread(_helper_ends_with_its_starter, helper, sig, url, tmp_path)


def _helper_ends_with_its_starter(helper: str, sig: int, url: str, tmp_path: Path) -> None:
    script = (
        "import pathlib, sys, time\n"
        + HELPERS[helper]
        + "print(child.pid, flush=True)\n"
        + "time.sleep(300)\n"
    )
    starter = subprocess.Popen(  # noqa: S603 - our own interpreter and script
        [sys.executable, "-c", script, url, str(tmp_path)],
        cwd=ROOT,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert starter.stdout is not None
        child = int(starter.stdout.readline())
        below = descendants(starter.pid)
        assert child in {proc.pid for proc in below}
        _end(starter, sig, below)
    finally:
        if starter.poll() is None:
            starter.kill()
            starter.wait()
