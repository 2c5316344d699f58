"""The results table printed at the end of a benchmark run."""

from typing import Any

from rich.console import Console
from rich.table import Table

from bench.measure import VariantResult


def _ratio(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}x"


def render_table(console: Console, results: list[VariantResult], machine: dict[str, Any]) -> None:
    table = Table(
        title='Medians per variant; "x base" / "x raw" = ratio to the baseline / to the raw '
        "floor measured in the same runs",
        caption=f"{machine['nproc']} cores, {machine['cpu_model']}, Python {machine['python']}, "
        f"server/loadgen pinned to separate cores: {machine['pinned']}",
    )
    for name in ("backend", "products", "scenario", "variant"):
        table.add_column(name)
    for name in (
        *("req/s", "x base", "x raw", "p50 ms", "x base", "x raw", "p99 ms", "x base"),
        *("CPU ms/req", "x raw", "SQL/req", "RSS MB"),
    ):
        table.add_column(name, justify="right")
    for r in results:
        table.add_row(
            r.backend,
            f"{r.products:,}",
            r.scenario,
            r.variant,
            f"{r.median('rps'):,.0f}",
            _ratio(r.vs_baseline["rps"]),
            _ratio(r.vs_raw.get("rps")),
            f"{r.median('p50_ms'):.2f}",
            _ratio(r.vs_baseline["p50_ms"]),
            _ratio(r.vs_raw.get("p50_ms")),
            f"{r.median('p99_ms'):.2f}",
            _ratio(r.vs_baseline["p99_ms"]),
            f"{r.median('cpu_ms'):.2f}",
            _ratio(r.vs_raw.get("cpu_ms")),
            f"{r.median('sql_per_request'):.2f}",
            f"{r.peak_rss_mb:.0f}",
            style="dim" if r.is_baseline else None,
        )
    console.print(table)
    render_writes(console, results)
    render_index_time(console, results)


def render_writes(console: Console, results: list[VariantResult]) -> None:
    """For writing scenarios: per run, the rows written against the successful responses."""
    for r in results:
        if not r.ledgers:
            continue
        colour = "green" if r.writes_agreed else "bold red"
        console.print(f"[{colour}]{r.backend} {r.products:,} {r.scenario}/{r.variant}[/{colour}]")
        for ledger in r.ledgers:
            console.print(f"  {ledger.summary()}", style=None if ledger.agreed else "bold red")


def render_index_time(console: Console, results: list[VariantResult]) -> None:
    """For searches over Meilisearch: its own processing time against the service's p50."""
    for r in results:
        own = r.median("index_ms")
        if own <= 0:
            continue
        p50 = r.median("p50_ms")
        console.print(
            f"{r.backend} {r.products:,} {r.scenario}/{r.variant}: p50 {p50:.1f} ms, "
            f"Meilisearch's own processing {own:.1f} ms per request (own + {p50 - own:.1f} ms)"
        )


def markdown_table(document: dict[str, Any]) -> str:
    """The results of a run as a Markdown table (for the README)."""
    lines = [
        "| backend | products | scenario | variant | req/s | x base | x raw | p50 ms | x base "
        "| x raw | p99 ms | x base | CPU ms/req | x raw | SQL/req | peak RSS MB |",
        "|---|---:|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in document["results"]:
        m, x, w = r["median"], r["vs_baseline"], r.get("vs_raw") or {}
        lines.append(
            f"| {r['backend']} | {r['products']:,} | {r['scenario']} | {r['variant']} "
            f"| {m['rps']:,.0f} | {x['rps']:.2f} | {_md(w.get('rps'))} "
            f"| {m['p50_ms']:.1f} | {x['p50_ms']:.2f} | {_md(w.get('p50_ms'))} "
            f"| {m['p99_ms']:.1f} | {x['p99_ms']:.2f} "
            f"| {m.get('cpu_ms', 0):.2f} | {_md(w.get('cpu_ms'))} | {m['sql_per_request']:.2f} "
            f"| {r['peak_rss_mb']:.0f} |"
        )
    return "\n".join(lines)


def _md(value: float | None) -> str:
    return "" if value is None else f"{value:.2f}"


if __name__ == "__main__":
    import json
    import sys
    from pathlib import Path

    print(markdown_table(json.loads(Path(sys.argv[1]).read_text())))
