"""The load generator: wrk on the other core, closed loop, bounded in time, loopback only."""

import json
import os
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

from bench.scenarios import KEY_PLACEHOLDER
from bench.server import LOAD_CPU, pinned

LUA_SCRIPT = Path(__file__).resolve().parent / "wrk_report.lua"
# Per-request bodies and response parsing cost wrk time; only keyed variants pay for them.
KEYED_LUA_SCRIPT = Path(__file__).resolve().parent / "wrk_keyed.lua"


@dataclass(frozen=True, slots=True)
class KeyedCounts:
    """What wrk saw of a keyed run: requests sent, answered, answered with success, and the
    keys of the requests sent without an answer naming them."""

    sent: int
    answered: int
    successes: int
    pending: tuple[str, ...] = field(default=())


@dataclass(frozen=True, slots=True)
class LoadResult:
    requests: int
    seconds: float
    p50_ms: float
    p99_ms: float
    errors: int
    keyed: KeyedCounts | None = None

    @property
    def rps(self) -> float:
        return self.requests / self.seconds


def require_wrk() -> str:
    path = shutil.which("wrk")
    if path is None:
        raise RuntimeError("wrk is not installed: `apt-get install wrk` (or `make bench`)")
    return path


def run_wrk(
    url: str,
    body: bytes,
    token: str,
    *,
    seconds: int,
    connections: int,
    key_prefix: str | None = None,
) -> LoadResult:
    """One wrk run; with `key_prefix` every request gets its own key (bench/wrk_keyed.lua)."""
    if not url.startswith("http://127.0.0.1:"):
        raise ValueError("the load generator only targets loopback")
    env = {**os.environ}
    if key_prefix is not None:
        env |= {"BENCH_KEY_PREFIX": key_prefix, "BENCH_KEY_PLACEHOLDER": KEY_PLACEHOLDER}
    with tempfile.NamedTemporaryFile(suffix=".json") as body_file:
        body_file.write(body)
        body_file.flush()
        command = [
            require_wrk(),
            "-t1",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(LUA_SCRIPT if key_prefix is None else KEYED_LUA_SCRIPT),
            "-H",
            f"Authorization: Bearer {token}",
            url,
        ]
        completed = subprocess.run(  # noqa: S603 - wrk with fixed arguments
            pinned(command, LOAD_CPU),
            env={**env, "BENCH_BODY_FILE": body_file.name},
            capture_output=True,
            timeout=seconds + 30,
            check=True,
        )
    report = json.loads(completed.stdout.decode().strip().splitlines()[-1])
    keyed = report.get("keyed")
    return LoadResult(
        requests=report["requests"],
        seconds=report["duration_us"] / 1e6,
        p50_ms=report["p50_us"] / 1000,
        p99_ms=report["p99_us"] / 1000,
        errors=sum(report["errors"].values()),
        keyed=None
        if keyed is None
        else KeyedCounts(
            keyed["sent"], keyed["answered"], keyed["successes"], tuple(sorted(keyed["pending"]))
        ),
    )
