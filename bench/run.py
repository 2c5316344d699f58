"""The benchmark harness.

    python -m bench.run --backend sqlite --backend postgres --sizes 1000,10000,100000

For each backend and dataset size: a freshly generated database, the server (uvicorn, uvloop,
httptools, one worker, pinned to core 0) started on 127.0.0.1, and wrk pinned to core 1
driving every selected scenario. Each figure is the median over `--runs` runs, and each is also
given as a ratio to the scenario's plain-Starlette baseline measured in the same runs.
Results go to `--out` (JSON) and to the terminal as a table.
"""

import asyncio
import json
import os
import platform
import tempfile
from dataclasses import asdict
from datetime import UTC, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console

from api.children import stop_signals_raise
from bench.databases import LoadedDatabase, loaded_database
from bench.generate import partner_slug
from bench.loadgen import require_wrk
from bench.measure import RunSettings, TokenSource, VariantResult, post, run_scenario
from bench.meili_index import meili_index
from bench.quote_scenario import QUANTITY
from bench.report import render_table
from bench.scenarios import SCENARIOS, ScenarioContext
from bench.server import LOAD_CPU, Server, can_pin, start_server
from catalog.core.db import Database

PARTNER_COUNTRY = "PL"
RESULTS = Path(__file__).resolve().parent / "results"


async def create_bench_client(url: str) -> tuple[str, str]:
    """A partner client of the generated Polish procurement agency; it may hold what any
    scenario asks for, and each scenario's tokens ask for that scenario's scopes only."""
    from auth.clients import create_client

    scopes = sorted({scope for s in SCENARIOS.values() for scope in s.scopes})
    db = Database(url)
    try:
        created = await create_client(
            db, org_slug=partner_slug(PARTNER_COUNTRY), scopes=scopes, name="bench"
        )
    finally:
        await db.dispose()
    return created.client_id, created.client_secret


def scenario_context(
    tokens: TokenSource, server: Server, loaded: LoadedDatabase, search_backend: str = "sql"
) -> ScenarioContext:
    page = post(server, "/baseline/products", b"{}", tokens.fetch()).json()
    nodes = [edge["node"] for edge in page["data"]["products"]["edges"]]
    return context_from_page(nodes, loaded.report.products, loaded.url, search_backend)


def context_from_page(
    nodes: list[dict[str, Any]], products: int, url: str, search_backend: str = "sql"
) -> ScenarioContext:
    """Products from the middle of the partner's first page: one for the lookup scenarios and
    one with units available for export, for quote requests."""
    if not nodes:
        raise RuntimeError("the benchmark partner sees no products")
    middle = len(nodes) // 2
    quotable = [n for n in nodes[middle:] + nodes[:middle] if n["unitsAvailable"] >= QUANTITY]
    return ScenarioContext(
        products,
        str(nodes[middle]["id"]),
        quotable_product_id=str(quotable[0]["id"]) if quotable else "",
        partner_country=PARTNER_COUNTRY,
        database_url=url,
        search_backend=search_backend,
    )


def measure_database(
    loaded: LoadedDatabase,
    client: tuple[str, str],
    scenarios: list[str],
    largest: bool,
    settings: RunSettings,
    workdir: Path,
    search_env: dict[str, str] | None = None,
) -> list[VariantResult]:
    """Every selected scenario against one server; with `search_env` (a Meilisearch index),
    only the search scenarios, reported under the backend name `<database>+meili`."""
    server = start_server(loaded.url, workdir, search_env)
    label = f"{loaded.backend}+meili" if search_env else loaded.backend
    try:
        ctx = scenario_context(
            TokenSource(server.base_url, *client),
            server,
            loaded,
            "meilisearch" if search_env else "sql",
        )
        results: list[VariantResult] = []
        for key in scenarios:
            scenario = SCENARIOS[key]
            if search_env and not scenario.search:
                continue
            tokens = TokenSource(server.base_url, *client, scopes=scenario.scopes)
            if scenario.every_size or largest:
                results += run_scenario(server, tokens, scenario, ctx, label, settings)
        return results
    finally:
        server.stop()


async def run_all(
    backends: list[str],
    sizes: list[int],
    scenarios: list[str],
    settings: RunSettings,
    console: Console,
    meili_with: list[str] | None = None,
) -> tuple[list[VariantResult], list[dict[str, Any]]]:
    results: list[VariantResult] = []
    loads: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="market-bench-") as tmp:
        for backend in backends:
            for size in sorted(sizes):
                async with loaded_database(backend, size, 1, Path(tmp), console) as loaded:
                    loads.append(
                        {"backend": backend, "products": size, "seconds": loaded.report.seconds}
                    )
                    client = await create_bench_client(loaded.url)
                    console.print(f"{backend} / {size:,} products: measuring")
                    largest = size == max(sizes)
                    results += await asyncio.to_thread(
                        measure_database, loaded, client, scenarios, largest, settings, Path(tmp)
                    )
                    if backend in (meili_with or []) and any(
                        SCENARIOS[k].search for k in scenarios
                    ):
                        async with meili_index(loaded.url, size, console) as search_env:
                            console.print(f"{backend}+meili / {size:,} products: measuring")
                            results += await asyncio.to_thread(
                                measure_database,
                                loaded,
                                client,
                                scenarios,
                                largest,
                                settings,
                                Path(tmp),
                                search_env,
                            )
    return results, loads


def machine() -> dict[str, Any]:
    model = "unknown"
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            model = line.split(":", 1)[1].strip()
            break
    return {
        "nproc": os.cpu_count(),
        "cpu_model": model,
        "python": platform.python_version(),
        "kernel": platform.release(),
        "pinned": can_pin(),
        # Other work on the machine skews absolute figures; ratios within a run much less.
        "load_average": [round(x, 2) for x in os.getloadavg()],
    }


cli = typer.Typer(add_completion=False, pretty_exceptions_enable=False)


@cli.command()
def main(
    backend: Annotated[list[str], typer.Option(help="sqlite and/or postgres")] = ["sqlite"],  # noqa: B006
    sizes: Annotated[str, typer.Option(help="Dataset sizes, comma separated")] = "1000",
    scenario: Annotated[list[str] | None, typer.Option(help="Scenario keys (default all)")] = None,
    runs: Annotated[int, typer.Option(min=1, help="Measured runs per variant")] = 5,
    seconds: Annotated[int, typer.Option(min=1, help="Seconds per run")] = 3,
    warmup: Annotated[int, typer.Option(min=0, help="Warm-up seconds per variant (0: none)")] = 1,
    connections: Annotated[int, typer.Option(min=1, help="Concurrent connections")] = 16,
    meili: Annotated[
        list[str] | None,
        typer.Option(help="Also measure search on Meilisearch, over this database backend"),
    ] = None,
    out: Annotated[Path, typer.Option(help="Where to write the JSON results")] = RESULTS
    / "latest.json",
) -> None:
    """Run the benchmark scenarios and write the results."""
    console = Console()
    if not console.is_terminal:
        console = Console(width=160)  # a log file: keep every column readable
    require_wrk()
    if can_pin():
        os.sched_setaffinity(0, {LOAD_CPU})  # keep the harness itself off the server's core
    keys = scenario or list(SCENARIOS)
    unknown = [k for k in keys if k not in SCENARIOS]
    if unknown:
        raise typer.BadParameter(f"unknown scenarios {unknown}; known: {list(SCENARIOS)}")
    settings = RunSettings(runs, seconds, warmup, connections)
    size_list = [int(s) for s in sizes.split(",") if s.strip()]
    started = datetime.now(UTC)
    before = machine()
    with stop_signals_raise():  # SIGTERM too unwinds: servers stopped, databases dropped
        results, loads = asyncio.run(run_all(backend, size_list, keys, settings, console, meili))
    document = {
        "generated_at": started.isoformat(timespec="seconds"),
        "machine": {**before, "load_average_after": machine()["load_average"]},
        "settings": {
            **asdict(settings),
            "sizes": size_list,
            "backends": backend,
            "meilisearch_over": meili or [],
        },
        "dataset_loads": loads,
        "results": [r.as_json() for r in results],
    }
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(document, indent=2) + "\n")
    render_table(console, results, document["machine"])
    console.print(f"results written to {out}")
    disagreeing = [f"{r.backend}/{r.scenario}/{r.variant}" for r in results if not r.writes_agreed]
    if disagreeing:
        console.print(
            "[bold red]FAILED:[/bold red] rows written do not match the successful responses in "
            + ", ".join(disagreeing)
        )
        raise typer.Exit(1)


if __name__ == "__main__":
    cli()
