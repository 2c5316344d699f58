"""Several API processes over one PostgreSQL database behave as one service: whatever they must
agree on (signing keys, revoked token ids, clients) lives in the database, not in a process."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from api.topology import ensure_database, plan
from auth.clients import create_client
from catalog.core.db import Database
from catalog.demo.seed import seed_demo
from tests.databases import PostgresTemplates
from tests.processes import running_api, start_api
from tests.tokens import bearer

# Every process of one deployment is configured with the same public issuer URL.
ONE_ISSUER = {"ISSUER": "http://127.0.0.1:8000"}
PRODUCTS = "{ products(first: 3) { totalCount edges { node { name } } } }"


@pytest.fixture
async def shared_postgres(
    postgres_templates: PostgresTemplates | None,
) -> AsyncIterator[str]:
    """A migrated, seeded PostgreSQL database for processes to share."""
    if postgres_templates is None:
        pytest.skip("PostgreSQL is not reachable (set REQUIRE_POSTGRES=1 to fail instead)")
    name = await postgres_templates.clone()
    url = postgres_templates.url_for(name)
    db = Database(url, pool_size=2)
    try:
        await seed_demo(db)
    finally:
        await db.dispose()
    yield url
    await postgres_templates.drop(name)


async def _client(url: str, org: str) -> tuple[str, str]:
    db = Database(url, pool_size=1)
    try:
        created = await create_client(db, org_slug=org, scopes=None, name=f"topology {org}")
    finally:
        await db.dispose()
    return created.client_id, created.client_secret


async def _products(http: httpx.AsyncClient, base: str, token: str) -> httpx.Response:
    return await http.post(f"{base}/graphql", json={"query": PRODUCTS}, headers=bearer(token))


async def test_two_processes_share_tokens_and_revocations(
    shared_postgres: str, tmp_path: Path
) -> None:
    client_id, secret = await _client(shared_postgres, "demo-partner-PL")
    first, second = await asyncio.gather(
        asyncio.to_thread(start_api, shared_postgres, tmp_path, env=ONE_ISSUER),
        asyncio.to_thread(start_api, shared_postgres, tmp_path, env=ONE_ISSUER),
    )
    try:
        async with httpx.AsyncClient(timeout=10) as http:
            issued = await http.post(
                f"{first.base_url}/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(client_id, secret),
            )
            assert issued.status_code == 200, issued.text
            token = issued.json()["access_token"]

            # The token signed by the first process is accepted by the second, identically.
            answers = [await _products(http, api.base_url, token) for api in (first, second)]
            assert [a.status_code for a in answers] == [200, 200]
            assert answers[0].json()["data"] == answers[1].json()["data"]
            assert answers[0].json()["data"]["products"]["totalCount"] > 0

            # Revoked through the second process, refused by the first at once.
            revoked = await http.post(
                f"{second.base_url}/oauth/revoke", data={"token": token}, auth=(client_id, secret)
            )
            assert revoked.status_code == 200, revoked.text
            for api in (first, second):
                refused = await _products(http, api.base_url, token)
                assert refused.status_code == 401, refused.text
                assert refused.headers["www-authenticate"].startswith("Bearer")
    finally:
        await asyncio.gather(asyncio.to_thread(first.stop), asyncio.to_thread(second.stop))


async def test_serve_runs_the_requested_number_of_workers(
    shared_postgres: str, tmp_path: Path
) -> None:
    client_id, secret = await _client(shared_postgres, "demo-partner-DE")
    with running_api(shared_postgres, tmp_path, workers=2) as api:
        workers = await asyncio.to_thread(api.wait_for_workers, 2)
        assert len(workers) == 2, api.output()
        async with httpx.AsyncClient(timeout=10) as http:
            for _ in range(6):  # whichever worker accepts the connection, the answer is the same
                issued = await http.post(
                    f"{api.base_url}/oauth/token",
                    data={"grant_type": "client_credentials"},
                    auth=(client_id, secret),
                    headers={"Connection": "close"},
                )
                assert issued.status_code == 200, issued.text
                answer = await _products(http, api.base_url, issued.json()["access_token"])
                assert answer.status_code == 200, answer.text
                assert answer.json()["data"]["products"]["totalCount"] > 0


async def test_run_prod_creates_its_database_once(
    postgres_templates: PostgresTemplates | None,
) -> None:
    if postgres_templates is None:
        pytest.skip("PostgreSQL is not reachable (set REQUIRE_POSTGRES=1 to fail instead)")
    name = f"market_prod_{uuid.uuid4().hex[:8]}"
    url = postgres_templates.url_for(name)
    try:
        assert await ensure_database(url) is True
        assert await ensure_database(url) is False  # already there: left alone
    finally:
        await postgres_templates.drop(name)


def test_run_prod_runs_the_api_workers_and_one_outbox_worker() -> None:
    children = plan("127.0.0.1", 8000, 2, {"SEARCH_BACKEND": "sql"})
    assert [child.name for child in children] == ["api", "worker"]
    assert children[0].command[-4:] == ["--port", "8000", "--workers", "2"]
    assert children[1].command[-1] == "worker"
