"""Instructions per request, counted by valgrind's callgrind: a measure that does not move
with the machine's noise (two runs of one tree agree within 0.1%), for changes too small for
timed runs on a noisy machine to resolve (`apt-get install valgrind`).

    python -m bench.instructions --scenario products --backend sqlite --products 1000

For each variant of the scenario, one process runs the app in-process (the benchmark server's
settings, requests handed straight to the ASGI app, no HTTP), warms it up, then counts the
instructions of `--requests` requests with callgrind's instrumentation switched on around them
only; hash randomisation is fixed so that runs compare. A scenario that writes (`quotes`) sends
every request with its own idempotency key, as under wrk. `--variant` counts one variant only;
`--keep DIR` keeps callgrind's files for `callgrind_annotate`. Counts are not time (memory
stalls are not in them), so a change is still confirmed with `bench.ab` before it is kept.
"""

import asyncio
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.table import Table

from bench.databases import loaded_database
from bench.ledger import is_success
from bench.run import context_from_page, create_bench_client
from bench.scenarios import RAW, SCENARIOS, ScenarioContext
from catalog.core.ids import to_global_id

_WARM_UP = 50
_TOTALS = re.compile(r"^totals:\s+(\d+)", re.MULTILINE)


def instructions_per_request(callgrind_output: str, requests: int) -> float:
    """Callgrind's total instruction count over the requests it was switched on for."""
    found = _TOTALS.search(callgrind_output)
    if found is None:
        raise ValueError("callgrind wrote no totals: was the instrumentation switched on?")
    return int(found.group(1)) / requests


def _tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} is not installed: apt-get install valgrind")
    return found


def _switch(on: bool) -> None:
    command = [_tool("callgrind_control"), "-i", "on" if on else "off", str(os.getpid())]
    subprocess.run(command, check=True, timeout=60)  # noqa: S603 - valgrind's own tool


async def _call(app: Any, path: str, body: bytes, headers: list[tuple[bytes, bytes]]) -> Any:
    """One POST handed to the ASGI app: (status, body)."""
    sent: list[dict[str, Any]] = []

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": body, "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": "POST",
        "scheme": "http",
        "path": path,
        "raw_path": path.encode(),
        "query_string": b"",
        "root_path": "",
        "headers": headers,
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }
    await app(scope, receive, send)
    return sent[0]["status"], b"".join(m.get("body", b"") for m in sent[1:])


async def _headers(app: Any, client: tuple[str, str], scopes: str) -> list[tuple[bytes, bytes]]:
    """A request's headers with a token for the client and scopes."""
    form = f"grant_type=client_credentials&client_id={client[0]}"
    form += f"&client_secret={client[1]}&scope={scopes}"
    plain = [(b"content-type", b"application/x-www-form-urlencoded")]
    _, issued = await _call(app, "/oauth/token", form.encode(), plain)
    token = json.loads(issued)["access_token"]
    return [(b"content-type", b"application/json"), (b"authorization", f"Bearer {token}".encode())]


def _check(variant: str, key: str, answer: tuple[int, bytes]) -> None:
    """A successful answer: status 200 and, for a write, its key echoed without errors."""
    status, body = answer
    if status != 200 or (key and not is_success(key, status, body.decode())):
        raise RuntimeError(f"{variant} answered {status}: {body[:300]!r}")


async def _count(
    url: str, client: tuple[str, str], scenario: str, variant: str, products: int, n: int
) -> None:
    """Inside valgrind: warm the app up, then switch the count on for `n` requests."""
    os.environ.update(
        DATABASE_URL=url,
        MARKET_ENV="production",
        ISSUER="http://127.0.0.1",
        RATE_LIMIT_CAPACITY=str(10**12),  # as the benchmark server: one client, no 429
        RATE_LIMIT_RESTORE_RATE=str(10**9),
    )
    from bench.baseline_app import app as make_app

    app = make_app()
    async with app.router.lifespan_context(app):
        reader = await _headers(app, client, "catalog:read")
        headers = await _headers(app, client, " ".join(SCENARIOS[scenario].scopes))
        _, page = await _call(app, "/baseline/products", b"{}", reader)
        nodes = [edge["node"] for edge in json.loads(page)["data"]["products"]["edges"]]
        context = context_from_page(nodes, products, url)
        chosen = {v.label: v for v in SCENARIOS[scenario].build(context)}[variant]
        # A variant that writes takes a fresh key per request, as under wrk: a key used
        # before (by this process or an earlier variant) would count an idempotent replay.
        run = uuid.uuid4().hex[:12]
        keys = [f"count{run}n{i}" if chosen.keyed else "" for i in range(_WARM_UP + n)]
        bodies = [chosen.body_with_key(key) if key else chosen.body for key in keys]
        for key, body in zip(keys[:_WARM_UP], bodies[:_WARM_UP], strict=True):
            _check(variant, key, await _call(app, chosen.path, body, headers))
        answers = []
        _switch(True)
        for body in bodies[_WARM_UP:]:
            answers.append(await _call(app, chosen.path, body, headers))
        _switch(False)
        # Checked after counting, so that the count is of the requests alone.
        for key, answer in zip(keys[_WARM_UP:], answers, strict=True):
            _check(variant, key, answer)


@dataclass(frozen=True, slots=True)
class Counting:
    """What to count: a scenario on a backend, and where callgrind's files go (None: away)."""

    scenario: str
    backend: str
    products: int
    requests: int
    only: str = ""  # one variant's label; empty: every variant
    keep: Path | None = None


def _measure(url: str, client: tuple[str, str], counting: Counting, variant: str) -> float:
    scenario, products, n = counting.scenario, counting.products, counting.requests
    with tempfile.TemporaryDirectory(prefix="market-callgrind-") as tmp:
        folder = counting.keep or Path(tmp)
        out = folder / f"callgrind.{scenario}.{re.sub(r'[^A-Za-z0-9]+', '-', variant)}.out"
        command = [_tool("valgrind"), "--tool=callgrind", "--instr-atstart=no"]
        command += [f"--callgrind-out-file={out}", sys.executable, "-m", "bench.instructions"]
        command += ["--inside", url, "--client", ",".join(client), "--scenario", scenario]
        command += ["--variant", variant, "--products", str(products), "--requests", str(n)]
        env = {**os.environ, "PYTHONHASHSEED": "0"}
        done = subprocess.run(command, env=env, capture_output=True, text=True)  # noqa: S603
        if done.returncode != 0:
            raise RuntimeError(f"{variant} could not be counted:\n{done.stderr[-3000:]}")
        return instructions_per_request(out.read_text(), n)


async def measure_all(counting: Counting) -> dict[str, float]:
    console = Console()
    scenario, products, n = counting.scenario, counting.products, counting.requests
    with tempfile.TemporaryDirectory(prefix="market-instructions-") as tmp:
        async with loaded_database(counting.backend, products, 1, Path(tmp), console) as loaded:
            client = await create_bench_client(loaded.url)
            # Any well-formed ids name the variants; the ones counted are read inside.
            some_id = to_global_id("Product", uuid.uuid4())
            context = ScenarioContext(
                products, some_id, quotable_product_id=some_id, database_url=loaded.url
            )
            variants = SCENARIOS[scenario].build(context)
            labels = [v.label for v in variants if counting.only in ("", v.label)]
            if not labels:
                raise typer.BadParameter(f"{scenario} has no variant {counting.only!r}")
            counts = {}
            for label in labels:
                console.print(f"counting {scenario}/{label} ({n} requests)")
                counts[label] = await asyncio.to_thread(
                    _measure, loaded.url, client, counting, label
                )
            return counts


cli = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@cli.command()
def main(
    scenario: Annotated[str, typer.Option()] = "products",
    backend: Annotated[str, typer.Option(help="sqlite or postgres")] = "sqlite",
    products: Annotated[int, typer.Option(min=1)] = 1000,
    requests: Annotated[int, typer.Option(min=1)] = 20,
    variant: Annotated[str, typer.Option(help="count this variant only")] = "",
    keep: Annotated[
        Path | None, typer.Option(help="keep callgrind's files here, for callgrind_annotate")
    ] = None,
    inside: Annotated[str, typer.Option(help="internal: the database URL, under valgrind")] = "",
    client: Annotated[str, typer.Option(help="internal: client id,secret")] = "",
) -> None:
    """Count the instructions per request of each variant of one scenario."""
    if inside:
        client_id, _, secret = client.partition(",")
        asyncio.run(_count(inside, (client_id, secret), scenario, variant, products, requests))
        return
    if keep is not None:
        keep.mkdir(parents=True, exist_ok=True)
    counting = Counting(scenario, backend, products, requests, variant, keep)
    counts = asyncio.run(measure_all(counting))
    table = Table(title=f"{scenario}, {backend}, {products:,} products: instructions per request")
    for column in ("variant", "M instructions", "x raw"):
        table.add_column(column, justify="left" if column == "variant" else "right")
    floor = counts.get(RAW)
    for label, count in counts.items():
        ratio = f"{count / floor:.2f}" if floor else ""
        table.add_row(label, f"{count / 1e6:.2f}", ratio)
    Console().print(table)


if __name__ == "__main__":
    cli()
