"""The `market` command line (typer + rich)."""

import asyncio
import json
import os
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from api import cli_catalogue, cli_organisations, cli_programme
from api.settings import Settings

app = typer.Typer(help="Defence export marketplace: operate the service.", no_args_is_help=True)
console = Console(stderr=True)
# Per database: `make run-prod` keeps its PostgreSQL demo credentials apart (DEMO_CREDENTIALS_FILE).
DEMO_CREDENTIALS = Settings().demo_credentials_file
T = TypeVar("T")
cli_catalogue.register(app)
cli_programme.register(app)
cli_organisations.register(app)


def _run(factory: Callable[[Any], Awaitable[T]]) -> T:
    """Run one async operation against the configured database, then release it."""
    from catalog.core.db import Database

    settings = Settings()

    async def main() -> T:
        db = Database(settings.database_url)
        try:
            return await factory(db)
        finally:
            await db.dispose()

    return asyncio.run(main())


def _ensure_var_dir(settings: Settings) -> None:
    if settings.database_url.startswith("sqlite") and ":///var/" in settings.database_url:
        Path("var").mkdir(exist_ok=True)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
    workers: Annotated[int, typer.Option(help="Number of API worker processes")] = 1,
) -> None:
    """Serve the API with uvicorn."""
    import uvicorn

    from api.keepalive import IDLE_SECONDS
    from api.logs import uvicorn_log_config

    settings = Settings()
    uvicorn.run(
        "api.main:app",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        access_log=False,
        log_config=uvicorn_log_config(settings.log_level),
        timeout_graceful_shutdown=int(settings.graceful_shutdown_seconds),
        timeout_worker_healthcheck=settings.worker_healthcheck_seconds,
        timeout_keep_alive=int(IDLE_SECONDS),
        # No compression of WebSocket frames: its per-connection zlib state would be most of
        # what an idle subscription costs, and compressing secrets beside attacker-chosen
        # text is what CRIME and BREACH exploit.
        ws_per_message_deflate=False,
    )


@app.command()
def migrate() -> None:
    """Bring the database schema up to date (Alembic upgrade head)."""
    from api.migrate import migrate as upgrade

    settings = Settings()
    _ensure_var_dir(settings)
    upgrade(settings.database_url)
    console.print("[green]database is up to date[/green]")


@app.command("seed-demo")
def seed_demo(
    with_clients: Annotated[
        bool, typer.Option(help="Also create demo OAuth clients (var/demo-credentials.json)")
    ] = True,
) -> None:
    """Load the demo catalogue into an empty database (does nothing when already seeded)."""
    from api.demo_credentials import demo_credentials
    from catalog.demo.seed import seed_demo as seed

    async def run(db: Any) -> None:
        result = await seed(db)
        if result.created:
            console.print(
                f"[green]seeded[/green] {result.organisations} organisations, "
                f"{result.products} products, {result.releases} releases, {result.rules} rules"
            )
        else:
            console.print("demo catalogue already present: nothing to do")
        if with_clients:
            await demo_credentials(db, DEMO_CREDENTIALS, just_seeded=result.created)

    _run(run)


@app.command("verify-audit")
def verify_audit() -> None:
    """Check the audit log's hash chain; exits 1 and names the first broken event. Events
    committed but not linked yet (catalog/core/appender.py) are counted on a line of their own:
    they are not part of the chain yet, and the next write or `market worker` links them."""
    from catalog.core.appender import count_pending
    from catalog.core.audit import verify_chain

    async def run(db: Any) -> Any:
        async with db.read() as session:
            report = await verify_chain(session)
        return report, await count_pending(db)

    report, pending = _run(run)
    if pending:
        console.print(
            f"{pending} audit events committed and not linked yet "
            "(the next write or `market worker` links them)",
            soft_wrap=True,
        )
    if report.ok:
        console.print(f"[green]audit chain intact[/green]: {report.length} events", soft_wrap=True)
        return
    console.print(
        f"[red]audit chain broken[/red] at event {report.broken_at}: {report.reason} "
        f"(chain of {report.length} events)",
        soft_wrap=True,
    )
    raise typer.Exit(code=1)


@app.command("demo-credentials")
def demo_credentials() -> None:
    """Print the demo organisations' client credentials (created by seed-demo)."""
    if not DEMO_CREDENTIALS.exists():
        console.print("no demo credentials yet: run `market seed-demo`")
        raise typer.Exit(code=1)
    print(DEMO_CREDENTIALS.read_text())


@app.command("demo-info")
def demo_info(
    host: Annotated[str, typer.Option()] = "127.0.0.1",
    port: Annotated[int, typer.Option()] = 8000,
) -> None:
    """Print the URL, the demo credentials and a sample request (used by `make run`)."""
    if not DEMO_CREDENTIALS.exists():
        console.print("no demo credentials yet: run `market seed-demo`")
        raise typer.Exit(code=1)
    credentials = json.loads(DEMO_CREDENTIALS.read_text())
    base = f"http://{host}:{port}"
    partner = credentials["demo-partner-PL"]
    lines = [
        "=== Defence export marketplace (demo) ===",
        f"Serving on {base}  (GraphQL at {base}/graphql)",
        f"Web page: {base}/  (pick a demo organisation to sign in)",
        "Demo clients (client_id  client_secret; all of them: var/demo-credentials.json):",
    ]
    for slug in ("demo-partner-PL", "demo-manufacturer-1", "demo-curator", "demo-licensing"):
        pair = credentials[slug]
        lines.append(f"  {slug:22} {pair['client_id']}  {pair['client_secret']}")
    lines.append("Try it (a Polish procurement agency lists the catalogue released to Poland):")
    query = '{"query": "{ products(first: 5) { totalCount edges { node { name category } } } }"}'
    lines.append(
        f"TOKEN=$(curl -s -u {partner['client_id']}:{partner['client_secret']} "
        f"-d grant_type=client_credentials {base}/oauth/token "
        "| python3 -c 'import json,sys; print(json.load(sys.stdin)[\"access_token\"])') && "
        f'curl -s {base}/graphql -H "Authorization: Bearer $TOKEN" '
        f"-H 'Content-Type: application/json' -d '{query}'"
    )
    print("\n".join(lines), flush=True)


@app.command("rotate-keys")
def rotate_keys() -> None:
    """Start signing with a new key. The old key stays in the JWKS until every token it signed
    has expired; keys past that point, and expired denylist entries, are pruned."""
    from datetime import timedelta

    from auth.config import MAX_TOKEN_LIFETIME_SECONDS
    from auth.introspection import prune_denylist
    from auth.keys import rotate_keys as rotate

    async def run(db: Any) -> tuple[str, list[str], int]:
        kid, pruned = await rotate(db, timedelta(seconds=MAX_TOKEN_LIFETIME_SECONDS))
        return kid, pruned, await prune_denylist(db)

    kid, pruned, forgotten = _run(run)
    console.print(f"[green]now signing with[/green] {kid}")
    for old in pruned:
        console.print(f"pruned expired key {old}")
    if forgotten:
        console.print(f"forgot {forgotten} expired revoked token ids")


def _search_backend(db: Any, settings: Settings) -> Any:
    from search.factory import build_backend

    return build_backend(
        settings.search_backend,
        db,
        meili_url=settings.meili_url,
        meili_key=settings.meili_master_key,
        meili_index=settings.meili_index,
    )


@app.command()
def reindex(
    batch: Annotated[int, typer.Option(help="Products per batch")] = 500,
) -> None:
    """Rebuild the search index of the configured backend from the database."""
    from rich.progress import Progress
    from sqlalchemy import func, select

    from catalog.models import Product
    from search.indexer import rebuild

    settings = Settings()

    async def run(db: Any) -> int:
        async with db.read() as session:
            total = int(await session.scalar(select(func.count()).select_from(Product)) or 0)
        done = 0
        with Progress(console=console) as progress:
            task = progress.add_task(f"indexing ({settings.search_backend})", total=total)
            async for count in rebuild(db, _search_backend(db, settings), batch):
                done += count
                progress.update(task, advance=count)
        return done

    console.print(f"[green]reindexed[/green] {_run(run)} products")


@app.command()
def worker(
    batch: Annotated[int, typer.Option(help="Outbox events per batch")] = 200,
    idle: Annotated[float, typer.Option(help="Seconds to wait when there is nothing to do")] = 1.0,
    health: Annotated[
        bool, typer.Option("--health", help="Only report a running worker's health (exit 0/1)")
    ] = False,
) -> None:
    """Drain the outbox until SIGTERM/SIGINT: webhook deliveries, and the search index when
    the backend keeps one outside the database. Stops between rows (deliveries, batches);
    waits out database and index outages. `--health` reads WORKER_STATUS_FILE instead."""
    from api import logs
    from api.worker import health as worker_health
    from api.worker import run_worker
    from search.indexer import run_worker as run_indexer

    settings = Settings()
    if health:
        ok, report = worker_health(settings.worker_status_file)
        typer.echo(report)
        raise typer.Exit(code=0 if ok else 1)
    logs.configure(settings.log_level)

    async def run(db: Any) -> int:
        indexers = []
        if settings.search_backend != "sql":  # the sql backend indexes in each write
            backend = _search_backend(db, settings)
            console.print(f"[green]indexing[/green] into {settings.meili_url} (Ctrl-C to stop)")
            indexers.append(
                (
                    "search indexing",
                    lambda stop, outage: run_indexer(
                        db, backend, stop, batch=batch, outage=outage, ensure_index=True
                    ),
                )
            )
        return await run_worker(
            db,
            idle,
            allow_networks=settings.webhook_networks,
            status_file=settings.worker_status_file,
            also=indexers,
            hold_sweep_seconds=settings.hold_sweep_seconds,
        )

    console.print(f"worker stopped after {_run(run)} events")


@app.command("serve-with-meili")
def serve_with_meili(
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on")] = 8000,
) -> None:
    """Local runs: a Meilisearch server (var/meilisearch), a full reindex, the outbox worker
    and the API on the Meilisearch backend; SIGTERM or Ctrl-C stops all of it."""
    import sys

    from api import children
    from search.meili_server import MeiliServer, binary_path

    binary = binary_path()
    if binary is None:
        console.print("[red]Meilisearch binary missing[/red]: run `make meili`")
        raise typer.Exit(code=1)
    data = Path("var/meilisearch")
    data.mkdir(parents=True, exist_ok=True)
    # uvicorn stops gracefully on SIGTERM and then raises it again: as `Stopped`, so that the
    # worker and Meilisearch are stopped below instead of being left running.
    with children.stop_signals_raise():
        server = MeiliServer(binary, db_path=data)
        indexer = None
        try:
            server.start()
            os.environ.update(
                SEARCH_BACKEND="meilisearch",
                MEILI_URL=server.url,
                MEILI_MASTER_KEY=server.master_key,
            )
            reindex(batch=500)
            worker_command = [sys.executable, "-m", "api.cli", "worker"]
            indexer = children.spawn(worker_command, own_group=True)
            serve(host=host, port=port, workers=1)
        finally:
            if indexer is not None:
                children.stop(indexer, timeout=30)
            server.stop()


@app.command("run-prod")
def run_prod(
    host: Annotated[str, typer.Option(help="Address the API listens on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port the API listens on")] = 8000,
    workers: Annotated[int, typer.Option(help="Number of API worker processes")] = 2,
) -> None:
    """The production topology on this machine: PostgreSQL database (created if missing),
    migrated and seeded; Meilisearch from the pinned binary when fetched; N API workers; the
    outbox worker (webhooks, search index). A child that exits is restarted (with backoff;
    run-prod gives up if one keeps crashing); SIGTERM or Ctrl-C stops everything."""
    from api import children
    from api.supervisor import supervise
    from api.topology import LOCAL_REDIS, plan, prepare, redis_reachable, start_search

    settings = Settings()
    if not settings.database_url.startswith("postgres"):
        console.print("[red]run-prod needs DATABASE_URL=postgresql://…[/red]")
        raise typer.Exit(code=2)
    env: dict[str, str] = {}
    if settings.redis_url is None and workers > 1 and redis_reachable(LOCAL_REDIS):
        env["REDIS_URL"] = LOCAL_REDIS  # the API workers share their rate limit buckets
    if "ISSUER" not in os.environ:
        env["ISSUER"] = f"http://{host}:{port}"  # one issuer for every worker

    def say(text: str) -> None:  # one line per event, whatever the terminal's width
        console.print(text, soft_wrap=True, markup=False, highlight=False)

    with children.stop_signals_raise():
        prepare(settings.database_url, say)
        buckets = env.get("REDIS_URL") or settings.redis_url or "in each process"
        say(f"rate limit buckets: {buckets}")
        search = start_search(env, say)
        try:
            demo_info(host=host, port=port)
            code = supervise(plan(host, port, workers, env), say)
        finally:
            if search is not None:
                search.stop()
    raise typer.Exit(code=code)


def main() -> None:
    try:
        app()
    except Exception as error:
        from rich.markup import escape

        from api.migrate import missing_table

        # The usual first-run mistake gets one line saying what to do, not a traceback.
        if (missing := missing_table(error)) is None:
            raise
        hint = "the database has no schema yet, or an older one: run `market migrate` first"
        console.print(f"[red]{hint}[/red] ({escape(missing)})", soft_wrap=True)
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
