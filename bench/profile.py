"""Profile the server while wrk drives one scenario variant, with py-spy (`pip install py-spy`).

    python -m bench.profile --scenario typename --variant graphql --seconds 15

Writes py-spy's collapsed stacks to bench/results/profile-<scenario>-<variant>.txt (open them
in speedscope or flamegraph.pl) and prints the frames that take the largest share of samples,
counted inclusively (a frame counts once per sample it appears in) and as the innermost frame.
"""

import asyncio
import re
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console
from rich.table import Table

from api.children import spawn, stop_signals_raise
from bench.databases import loaded_database
from bench.ledger import key_prefix
from bench.loadgen import run_wrk
from bench.measure import TokenSource
from bench.run import RESULTS, create_bench_client, scenario_context
from bench.scenarios import SCENARIOS, Variant
from bench.server import Server, start_server

_RECORD_END = re.compile(r"\S \d+$")


def shares_of(collapsed: str) -> tuple[int, Counter[str], Counter[str]]:
    """Total samples; per frame, the samples whose stack contains it (inclusive) and the
    samples where it is the innermost frame (self)."""
    total = 0
    inclusive: Counter[str] = Counter()
    own: Counter[str] = Counter()
    for line in _records(collapsed):
        stack, _, count = line.rpartition(" ")
        samples = int(count)
        total += samples
        frames = stack.split(";")
        own[frames[-1]] += samples
        for frame in set(frames):
            inclusive[frame] += samples
    return total, inclusive, own


def _records(collapsed: str) -> Iterator[str]:
    """The "stack count" records. py-spy samples without pausing the server (--nonblocking),
    so a frame name it read mid-change can hold any character, line breaks included: a record
    ends only at a line that ends in its count."""
    pending = ""
    for piece in collapsed.split("\n"):
        pending = f"{pending}\n{piece}" if pending else piece
        if _RECORD_END.search(pending):
            yield pending
            pending = ""


def record(server: Server, variant: Variant, token: str, seconds: int, out: Path) -> None:
    spy = shutil.which("py-spy") or shutil.which("py-spy", path=str(Path(sys.executable).parent))
    if spy is None:
        raise RuntimeError("py-spy is not installed: pip install py-spy")
    command = [spy, "record", "--pid", str(server.pid), "--duration", str(seconds)]
    command += ["--rate", "250", "--format", "raw", "--output", str(out), "--nonblocking"]
    with spawn(command, stdout=subprocess.DEVNULL) as spying:
        run_wrk(
            f"{server.base_url}{variant.path}",
            variant.body,
            token,
            seconds=seconds,
            connections=8,
            key_prefix=key_prefix(variant.label) if variant.keyed else None,
        )
        spying.wait(timeout=seconds + 60)


async def profile(
    scenario: str, variant: str, products: int, seconds: int, out: Path, backend: str
) -> None:
    console = Console()
    with tempfile.TemporaryDirectory(prefix="market-profile-") as tmp:
        async with loaded_database(backend, products, 1, Path(tmp), console) as loaded:
            client = await create_bench_client(loaded.url)

            def measure() -> None:
                server = start_server(loaded.url, Path(tmp))
                try:
                    ctx = scenario_context(TokenSource(server.base_url, *client), server, loaded)
                    chosen = {v.label: v for v in SCENARIOS[scenario].build(ctx)}[variant]
                    scopes = SCENARIOS[scenario].scopes
                    tokens = TokenSource(server.base_url, *client, scopes=scopes)
                    record(server, chosen, tokens.fetch(), seconds, out)
                finally:
                    server.stop()

            await asyncio.to_thread(measure)


def show(console: Console, out: Path, top: int) -> None:
    total, inclusive, own = shares_of(out.read_text())
    for title, shares in (("inclusive", inclusive), ("self", own)):
        table = Table(title=f"{out.name}: {total} samples, {title} share per frame")
        table.add_column("share", justify="right")
        table.add_column("frame")
        for frame, samples in shares.most_common(top):
            table.add_row(f"{100 * samples / total:.1f}%", frame)
        console.print(table)


cli = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@cli.command()
def main(
    scenario: Annotated[str, typer.Option()] = "typename",
    variant: Annotated[str, typer.Option()] = "graphql",
    products: Annotated[int, typer.Option(min=1)] = 1000,
    seconds: Annotated[int, typer.Option(min=1)] = 15,
    top: Annotated[int, typer.Option(min=1)] = 40,
    backend: Annotated[str, typer.Option(help="sqlite or postgres")] = "sqlite",
) -> None:
    """Profile one scenario variant and print where the server spends its time."""
    out = RESULTS / f"profile-{scenario}-{variant.replace('(', '').replace(')', '')}.txt"
    out.parent.mkdir(parents=True, exist_ok=True)
    with stop_signals_raise():  # SIGTERM too unwinds: the server is stopped
        asyncio.run(profile(scenario, variant, products, seconds, out, backend))
    show(Console(width=200), out, top)


if __name__ == "__main__":
    cli()
