"""A throw-away Meilisearch server on 127.0.0.1 (tests and local runs).

The binary is the pinned npm package fetched by `make meili` into `.cache/meilisearch/`.
"""

import os
import secrets
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_BINARY = ROOT / ".cache" / "meilisearch" / "meilisearch"


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
    ):
        self.binary = binary
        self.indexing_threads = indexing_threads
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
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
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
