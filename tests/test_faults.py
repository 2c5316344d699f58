"""Fault behaviour with real processes: the API over a PostgreSQL server that goes away and
comes back, and a statement cancelled by its timeout."""

import asyncio
import os
import time
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy.engine import make_url

from api.app import create_app
from api.migrate import migrate
from auth.clients import create_client
from catalog.core.db import Database
from catalog.demo.seed import seed_demo
from tests.databases import PostgresTemplates
from tests.private_postgres import PrivatePostgres, postgres_bin
from tests.processes import ApiProcess, start_api
from tests.tokens import bearer, issue_token

PRODUCTS = "{ products(first: 5) { edges { node { name } } } }"


@pytest.fixture(scope="module")
def private_postgres() -> Iterator[PrivatePostgres]:
    bin_dir = postgres_bin()
    if bin_dir is None:
        if os.environ.get("REQUIRE_POSTGRES", "") not in ("", "0"):
            pytest.fail("REQUIRE_POSTGRES=1 but the PostgreSQL server binaries are not installed")
        pytest.skip("PostgreSQL server binaries (initdb, pg_ctl) are not installed")
    cluster = PrivatePostgres(bin_dir)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.destroy()


async def _prepare(cluster: PrivatePostgres) -> tuple[str, str, str]:
    """A migrated, seeded database on the private cluster and a partner client for it."""
    admin = await asyncpg.connect(cluster.url())
    try:
        await admin.execute("CREATE DATABASE market")
    finally:
        await admin.close()
    url = cluster.url("market")
    await asyncio.to_thread(migrate, url)
    db = Database(url, pool_size=1)
    try:
        await seed_demo(db)
        created = await create_client(db, org_slug="demo-partner-PL", scopes=None, name="faults")
    finally:
        await db.dispose()
    return url, created.client_id, created.client_secret


@pytest.fixture
async def api_on_private_postgres(
    private_postgres: PrivatePostgres, tmp_path: Path
) -> AsyncIterator[tuple[ApiProcess, str, str]]:
    url, client_id, secret = await _prepare(private_postgres)
    env = {"DB_CONNECT_TIMEOUT_SECONDS": "2", "DB_POOL_SIZE": "4"}
    api = await asyncio.to_thread(start_api, url, tmp_path, env=env)
    try:
        yield api, client_id, secret
    finally:
        await asyncio.to_thread(api.stop)


async def _load(http: httpx.AsyncClient, base: str, token: str, until: asyncio.Event) -> list:
    """Requests one after another until told to stop: (status, error code, retry-after)."""
    seen = []
    while not until.is_set():
        answer = await http.post(f"{base}/graphql", json={"query": PRODUCTS}, headers=bearer(token))
        errors = answer.json().get("errors") or [{}]
        code = errors[0].get("extensions", {}).get("code")
        seen.append((answer.status_code, code, answer.headers.get("retry-after")))
        await asyncio.sleep(0.02)
    return seen


async def test_postgres_restart_fails_fast_with_503_then_recovers(
    api_on_private_postgres: tuple[ApiProcess, str, str], private_postgres: PrivatePostgres
) -> None:
    api, client_id, secret = api_on_private_postgres
    # A hung request would hit this timeout and fail the test: failing fast is the point.
    async with httpx.AsyncClient(timeout=httpx.Timeout(8.0)) as http:
        issued = await http.post(
            f"{api.base_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
        )
        token = issued.json()["access_token"]
        stop = asyncio.Event()
        loads = [asyncio.create_task(_load(http, api.base_url, token, stop)) for _ in range(3)]
        await asyncio.sleep(0.5)
        await asyncio.to_thread(private_postgres.stop, "fast")
        await asyncio.sleep(1.5)
        during = await http.post(
            f"{api.base_url}/graphql", json={"query": PRODUCTS}, headers=bearer(token)
        )
        token_during = await http.post(
            f"{api.base_url}/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(client_id, secret),
        )
        await asyncio.to_thread(private_postgres.start)
        recovered_at = None
        deadline = time.monotonic() + 15
        while recovered_at is None and time.monotonic() < deadline:
            answer = await http.post(
                f"{api.base_url}/graphql", json={"query": PRODUCTS}, headers=bearer(token)
            )
            if answer.status_code == 200 and "errors" not in answer.json():
                recovered_at = time.monotonic()
            else:
                await asyncio.sleep(0.2)
        await asyncio.sleep(0.3)
        stop.set()
        seen = [entry for load in await asyncio.gather(*loads) for entry in load]

    assert during.status_code == 503, during.text
    assert during.json()["errors"][0]["extensions"]["code"] == "SERVICE_UNAVAILABLE"
    assert int(during.headers["retry-after"]) > 0
    assert token_during.status_code == 503, token_during.text
    assert token_during.json()["error"] == "temporarily_unavailable"
    assert recovered_at is not None, f"no success after the restart:\n{api.output()}"
    assert api.process.poll() is None  # the same process throughout
    # Under load: only successes and clear 503s, never a 500 or another failure.
    assert {(status, code) for status, code, _ in seen} <= {
        (200, None),
        (503, "SERVICE_UNAVAILABLE"),
    }, seen
    assert (200, None, None) in seen
    assert any(status == 503 for status, _, _ in seen)
    assert seen[-1][0] == 200


@pytest.fixture
async def slow_database(
    postgres_templates: PostgresTemplates | None,
) -> AsyncIterator[tuple[Database, str]]:
    if postgres_templates is None:
        pytest.skip("PostgreSQL is not reachable (set REQUIRE_POSTGRES=1 to fail instead)")
    name = await postgres_templates.clone()
    url = postgres_templates.url_for(name)
    db = Database(url, pool_size=2, statement_timeout_ms=300)
    await seed_demo(db)
    yield db, url
    await db.dispose()
    await postgres_templates.drop(name)


async def test_a_statement_past_its_timeout_is_reported_over_http(
    slow_database: tuple[Database, str],
) -> None:
    from api.settings import Settings

    db, url = slow_database
    app = create_app(Settings(database_url=url, market_env="test"), db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as api:
        token = await issue_token(api, db, "demo-partner-PL")
        # Another session holds the product table, so the listing waits past its timeout.
        dsn = str(make_url(url).set(drivername="postgresql"))
        blocker = await asyncpg.connect(dsn)
        try:
            transaction = blocker.transaction()
            await transaction.start()
            await blocker.execute("LOCK TABLE product IN ACCESS EXCLUSIVE MODE")
            answer = await api.post("/graphql", json={"query": PRODUCTS}, headers=bearer(token))
            await transaction.rollback()
        finally:
            await blocker.close()
        again = await api.post("/graphql", json={"query": PRODUCTS}, headers=bearer(token))

    assert answer.status_code == 200, answer.text
    error = answer.json()["errors"][0]
    assert error["extensions"]["code"] == "TIMEOUT"
    assert error["message"] == "the query took too long and was cancelled"
    assert "SELECT" not in answer.text  # the statement itself stays in the server log
    assert "errors" not in again.json()
