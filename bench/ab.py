"""A/B: one scenario variant against two servers that differ only by their environment (a
setting switched off in one of them), runs interleaved, so that both see the same machine.

    python -m bench.ab --scenario products --b-env AUTH_CLIENT_CACHE=false
    python -m bench.ab --scenario products --a-root /tmp/previous-revision

Prints, per server, the median req/s and server CPU ms per request, and B's ratio to A. On a
shared machine the CPU time per request is the steadier of the two. Each server gets an
unmeasured warm-up run first. A writing scenario (quotes) is held against the database as in
`bench.run`: every run prints its ledger (successes = rows written) and a mismatch stops it.
"""

import asyncio
import statistics
import tempfile
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from api.children import stop_signals_raise
from bench.databases import loaded_database
from bench.ledger import KeyedRun, Ledger
from bench.loadgen import run_wrk
from bench.measure import RunSettings, Sample, TokenSource, VariantResult, sample
from bench.run import create_bench_client, scenario_context
from bench.scenarios import SCENARIOS
from bench.server import ROOT, start_server


def parse_env(pairs: list[str]) -> dict[str, str]:
    return dict(pair.split("=", 1) for pair in pairs)


async def compare(
    backend: str,
    products: int,
    scenario: str,
    variant: str,
    envs: tuple[dict[str, str], dict[str, str]],
    roots: tuple[Path, Path],
    settings: RunSettings,
    console: Console,
) -> dict[str, list[Sample]]:
    with tempfile.TemporaryDirectory(prefix="market-ab-") as tmp:
        async with loaded_database(backend, products, 1, Path(tmp), console) as loaded:
            client = await create_bench_client(loaded.url)

            def run() -> dict[str, list[Sample]]:
                servers = {
                    name: start_server(loaded.url, Path(tmp), env, root)
                    for name, env, root in zip("AB", envs, roots, strict=True)
                }
                try:
                    first = servers["A"]
                    ctx = scenario_context(TokenSource(first.base_url, *client), first, loaded)
                    chosen = {v.label: v for v in SCENARIOS[scenario].build(ctx)}[variant]
                    scopes = SCENARIOS[scenario].scopes
                    tokens = {
                        n: TokenSource(s.base_url, *client, scopes=scopes)
                        for n, s in servers.items()
                    }
                    samples: dict[str, list[Sample]] = {"A": [], "B": []}
                    writes = SCENARIOS[scenario].writes

                    def keyed_run(name: str, token: str) -> KeyedRun | None:
                        # A writing scenario: each run's writes are held against the database
                        # (successes = rows written), as `bench.run` does.
                        if writes is None or not chosen.keyed:
                            return None
                        server = servers[name]
                        return KeyedRun(server.base_url, chosen, token, *writes.bound(ctx))

                    def check(label: str, ledger: Ledger) -> None:
                        console.print(f"{label} {ledger.summary()}", soft_wrap=True)
                        if not ledger.agreed:
                            raise RuntimeError(f"{label}: the writes do not agree")

                    def warm_up(name: str) -> None:
                        """Unmeasured (caches, pools, first connections); a cold server may
                        answer nothing in it."""
                        server, token = servers[name], tokens[name].fetch()
                        keyed = keyed_run(name, token)
                        load = run_wrk(
                            f"{server.base_url}{chosen.path}",
                            chosen.body,
                            token,
                            seconds=settings.warmup_seconds,
                            connections=settings.connections,
                            key_prefix=keyed.begin() if keyed else None,
                        )
                        if keyed:
                            check(name, keyed.end("warm-up", load.keyed))

                    def measure(name: str, result: VariantResult) -> Sample:
                        server, token = servers[name], tokens[name].fetch()
                        keyed = keyed_run(name, token)
                        measured = sample(
                            server, chosen, token, settings, settings.connections, keyed, result
                        )
                        result.samples.append(measured)
                        if result.ledgers:
                            check(name, result.ledgers[-1])
                        return measured

                    for name in "AB" if settings.warmup_seconds else "":
                        warm_up(name)
                    results = {name: _ledger_holder(name) for name in "AB"}
                    for i in range(settings.runs):
                        for name in "AB" if i % 2 == 0 else "BA":
                            samples[name].append(measure(name, results[name]))
                    return samples
                finally:
                    for server in servers.values():
                        server.stop()

            return await asyncio.to_thread(run)


def _ledger_holder(name: str) -> VariantResult:
    """Where `sample` numbers and keeps the runs' ledgers."""
    return VariantResult("ab", name, "", 0, name, False, 0)


cli = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@cli.command()
def main(
    scenario: Annotated[str, typer.Option()] = "products",
    variant: Annotated[str, typer.Option()] = "graphql",
    backend: Annotated[str, typer.Option()] = "sqlite",
    products: Annotated[int, typer.Option(min=1)] = 1000,
    a_env: Annotated[list[str] | None, typer.Option(help="NAME=value for server A")] = None,
    b_env: Annotated[list[str] | None, typer.Option(help="NAME=value for server B")] = None,
    a_root: Annotated[Path, typer.Option(help="Source tree server A runs")] = ROOT,
    b_root: Annotated[Path, typer.Option(help="Source tree server B runs")] = ROOT,
    runs: Annotated[int, typer.Option(min=1)] = 6,
    seconds: Annotated[int, typer.Option(min=1)] = 2,
    connections: Annotated[int, typer.Option(min=1)] = 8,
    warmup: Annotated[int, typer.Option(min=0, help="Unmeasured seconds per server first")] = 2,
) -> None:
    console = Console()
    settings = RunSettings(runs, seconds, warmup, connections)
    envs = (parse_env(a_env or []), parse_env(b_env or []))
    with stop_signals_raise():
        samples = asyncio.run(
            compare(backend, products, scenario, variant, envs, (a_root, b_root), settings, console)
        )
    medians = {
        name: {
            "rps": statistics.median(s.rps for s in runs_),
            "cpu_ms": statistics.median(s.cpu_ms for s in runs_),
        }
        for name, runs_ in samples.items()
    }
    for name, env, root in zip("AB", envs, (a_root, b_root), strict=True):
        m = medians[name]
        console.print(f"{name} {root} {env}: {m['rps']:.0f} req/s, {m['cpu_ms']:.2f} CPU ms/req")
    a, b = medians["A"], medians["B"]
    console.print(
        f"B/A: req/s {b['rps'] / a['rps']:.2f}x, CPU ms/req {b['cpu_ms'] / a['cpu_ms']:.2f}x"
        f" ({backend}, {products:,} products, {scenario}/{variant}, {runs} runs each)"
    )


if __name__ == "__main__":
    cli()
