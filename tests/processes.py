"""Real API processes for topology and fault tests: `market serve` in a subprocess on a free
127.0.0.1 port, stopped (or killed) by the test that started it."""

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.children import spawn
from tests.live import free_port

ROOT = Path(__file__).resolve().parent.parent


@dataclass
class ApiProcess:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no shutdown handlers, no lifespan, as when the host loses the process."""
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()

    def worker_pids(self) -> list[int]:
        """uvicorn's worker processes: the children it spawned (multiprocessing's resource
        tracker, also a child, is not one)."""
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        return [
            int(pid)
            for pid in children.read_text().split()
            if b"spawn_main" in Path(f"/proc/{pid}/cmdline").read_bytes()
        ]

    def wait_for_workers(self, count: int, timeout: float = 15.0) -> list[int]:
        """The worker pids once `count` are running (a forked child that has not yet exec'd
        does not look like a worker), or whatever runs when `timeout` is up."""
        deadline = time.monotonic() + timeout
        while len(pids := self.worker_pids()) != count and time.monotonic() < deadline:
            time.sleep(0.2)
        return pids


def start_api(
    database_url: str,
    log_dir: Path,
    *,
    workers: int = 1,
    port: int | None = None,
    env: dict[str, str] | None = None,
) -> ApiProcess:
    port = port or free_port()
    base_url = f"http://127.0.0.1:{port}"
    environment = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MARKET_ENV": "test",
        "ISSUER": base_url,
        "PYTHONPATH": str(ROOT),
        **(env or {}),
    }
    command = [sys.executable, "-m", "api.cli", "serve", "--port", str(port)]
    command += ["--workers", str(workers)]
    log = log_dir / f"api-{port}.log"
    with log.open("ab") as out:
        # Dies with the test run even when that is killed outright (api/children.py).
        process = spawn(command, cwd=ROOT, env=environment, stdout=out, stderr=subprocess.STDOUT)
    api = ApiProcess(process, base_url, log)
    wait_ready(api)
    return api


def wait_ready(api: ApiProcess, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if api.process.poll() is not None:
            raise RuntimeError(f"the API exited early:\n{api.output()}")
        try:
            if httpx.get(f"{api.base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    api.stop()
    raise RuntimeError(f"the API was not ready after {timeout} s:\n{api.output()}")


@contextmanager
def running_api(database_url: str, log_dir: Path, **options: object) -> Iterator[ApiProcess]:
    api = start_api(database_url, log_dir, **options)  # type: ignore[arg-type]
    try:
        yield api
    finally:
        api.stop()


@dataclass(frozen=True)
class Proc:
    """One process as /proc shows it; its start time tells it from a later one that got the
    same pid."""

    pid: int
    parent: int
    started: int
    name: str


def _read(pid: int) -> tuple[Proc, str] | None:
    """(process, state letter), or None when it has gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    name = stat[stat.index("(") + 1 : stat.rindex(")")]
    fields = stat[stat.rindex(")") + 2 :].split()
    return Proc(pid, int(fields[1]), int(fields[19]), name), fields[0]


def descendants(root: int) -> list[Proc]:
    """Every process below `root`: children, their children, …"""
    pids = [int(entry.name) for entry in Path("/proc").iterdir() if entry.name.isdigit()]
    table = [read[0] for read in map(_read, pids) if read is not None]
    below, frontier = [], {root}
    while frontier:
        layer = [proc for proc in table if proc.parent in frontier]
        below += layer
        frontier = {proc.pid for proc in layer}
    return below


def still_running(processes: list[Proc]) -> list[Proc]:
    """Those of `processes` still running (a zombie has finished: only its exit status is left)."""
    left = []
    for proc in processes:
        now = _read(proc.pid)
        if now is not None and now[0].started == proc.started and now[1] != "Z":
            left.append(proc)
    return left


def wait_gone(processes: list[Proc], timeout: float = 30.0) -> list[Proc]:
    """Wait until none of `processes` runs; those still running after `timeout`."""
    deadline = time.monotonic() + timeout
    while (left := still_running(processes)) and time.monotonic() < deadline:
        time.sleep(0.1)
    return left
