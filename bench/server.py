"""The server under test: uvicorn in a subprocess on 127.0.0.1, pinned to its own core."""

import contextlib
import functools
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from api.children import spawn

ROOT = Path(__file__).resolve().parent.parent
SERVER_CPU = 0
LOAD_CPU = 1


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@functools.cache
def can_pin() -> bool:
    """Two usable cores and taskset: server on one, load generator on the other. Decided once,
    before the harness narrows its own affinity to the load generator's core."""
    return shutil.which("taskset") is not None and {SERVER_CPU, LOAD_CPU} <= os.sched_getaffinity(0)


def pinned(command: list[str], cpu: int) -> list[str]:
    return ["taskset", "-c", str(cpu), *command] if can_pin() else command


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    base_url: str
    log: Path

    @property
    def pid(self) -> int:
        return self.process.pid

    def reset_peak_rss(self) -> None:
        """Linux resets VmHWM to the current RSS when 5 is written to clear_refs."""
        # On kernels without it the peak covers the whole server lifetime instead.
        with contextlib.suppress(OSError):
            Path(f"/proc/{self.pid}/clear_refs").write_text("5")

    def cpu_seconds(self) -> float:
        """CPU time the server process has used so far, all its threads, user and system.

        Per request, it is far less sensitive than req/s to other work on a shared machine:
        waiting for a core does not count."""
        fields = Path(f"/proc/{self.pid}/stat").read_text().rpartition(")")[2].split()
        # utime and stime are the 14th and 15th fields; the text after ")" starts at the 3rd.
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")

    def peak_rss_mb(self) -> float:
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
        raise RuntimeError("no VmHWM in /proc status")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def start_server(
    database_url: str,
    log_dir: Path,
    extra_env: dict[str, str] | None = None,
    root: Path = ROOT,
) -> Server:
    """`root`: the source tree the server runs (another checkout, to compare revisions)."""
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    env = {
        **os.environ,
        "DATABASE_URL": database_url,
        "MARKET_ENV": "production",
        "ISSUER": base_url,
        "PYTHONPATH": str(root),
        # One client drives every request; with the production per-client budget the server
        # would answer 429 within seconds. The cost accounting still runs on every request.
        "RATE_LIMIT_CAPACITY": str(10**12),
        "RATE_LIMIT_RESTORE_RATE": str(10**9),
        **(extra_env or {}),
    }
    command = [
        sys.executable,
        "-m",
        "uvicorn",
        "--factory",
        "bench.baseline_app:app",
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--loop",
        "uvloop",
        "--http",
        "httptools",
        "--no-access-log",
        "--log-level",
        "warning",
    ]
    log = log_dir / f"server-{port}.log"
    with log.open("wb") as out:
        # Dies with the benchmark even when that is killed outright (api/children.py).
        process = spawn(
            pinned(command, SERVER_CPU), cwd=root, env=env, stdout=out, stderr=subprocess.STDOUT
        )
    server = Server(process, base_url, log)
    _wait_ready(server)
    return server


def _wait_ready(server: Server, timeout: float = 60.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if server.process.poll() is not None:
            raise RuntimeError(f"server exited early:\n{server.log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{server.base_url}/healthz", timeout=1.0).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"server not ready after {timeout} s:\n{server.log.read_text()[-3000:]}")
