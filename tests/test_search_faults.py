"""Meilisearch stopped under a running API and outbox worker (real processes): search keeps
answering from the database's own full-text index, marked degraded, and the index catches up
from the outbox once Meilisearch is back."""

import asyncio
import os
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.children import spawn
from auth.clients import create_client
from catalog.core.db import Database
from catalog.demo.seed import seed_demo
from search.factory import build_backend
from search.meili_server import MeiliServer, binary_path
from tests.databases import PostgresTemplates
from tests.processes import ROOT, start_api
from tests.search_support import add_product
from tests.tokens import bearer

SEARCH = "query($q: String!) { search(query: $q, first: 5) { edges { node { name } } } }"


@pytest.fixture
async def meili() -> AsyncIterator[MeiliServer]:
    binary = binary_path()
    if binary is None:
        if os.environ.get("REQUIRE_MEILI", "") not in ("", "0"):
            pytest.fail("REQUIRE_MEILI=1 but the Meilisearch binary is missing (make meili)")
        pytest.skip("the Meilisearch binary is missing (make meili)")
    server = MeiliServer(binary)
    await asyncio.to_thread(server.start)
    yield server
    await asyncio.to_thread(server.close)


@pytest.fixture
async def indexed_database(
    postgres_templates: PostgresTemplates | None, meili: MeiliServer
) -> AsyncIterator[tuple[Database, str]]:
    if postgres_templates is None:
        pytest.skip("PostgreSQL is not reachable (set REQUIRE_POSTGRES=1 to fail instead)")
    name = await postgres_templates.clone()
    url = postgres_templates.url_for(name)
    db = Database(url, pool_size=2)
    await seed_demo(db)
    backend: Any = build_backend("meilisearch", db, meili_url=meili.url, meili_key=meili.master_key)
    await backend.ensure_index()
    async for _ in backend.reindex():
        pass
    yield db, url
    await db.dispose()
    await postgres_templates.drop(name)


async def _search(http: httpx.AsyncClient, base: str, token: str, text: str) -> dict[str, Any]:
    answer = await http.post(
        f"{base}/graphql", json={"query": SEARCH, "variables": {"q": text}}, headers=bearer(token)
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert "errors" not in body, body
    return body


def _start_worker(url: str, env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return spawn(
            [sys.executable, "-m", "api.cli", "worker"],
            cwd=ROOT,
            env={**os.environ, "DATABASE_URL": url, "PYTHONPATH": str(ROOT), **env},
            stdout=out,
            stderr=subprocess.STDOUT,
        )


def _names(body: dict[str, Any]) -> list[str]:
    return [edge["node"]["name"] for edge in body["data"]["search"]["edges"]]


async def test_search_degrades_to_sql_and_the_index_catches_up(
    indexed_database: tuple[Database, str], meili: MeiliServer, tmp_path: Path
) -> None:
    db, url = indexed_database
    env = {
        "SEARCH_BACKEND": "meilisearch",
        "MEILI_URL": meili.url,
        "MEILI_MASTER_KEY": meili.master_key,
    }
    api = await asyncio.to_thread(start_api, url, tmp_path, env=env)
    worker = await asyncio.to_thread(_start_worker, url, env, tmp_path / "worker.log")
    try:
        created = await create_client(db, org_slug="demo-partner-PL", scopes=None, name="s")
        async with httpx.AsyncClient(timeout=15) as http:
            issued = await http.post(
                f"{api.base_url}/oauth/token",
                data={"grant_type": "client_credentials"},
                auth=(created.client_id, created.client_secret),
            )
            token = issued.json()["access_token"]
            healthy = await _search(http, api.base_url, token, "naval")
            assert _names(healthy)
            assert "degraded" not in healthy.get("extensions", {})

            await asyncio.to_thread(meili.stop)
            await add_product(db, "Zzyzx Harbour Sentinel", countries=("PL",))
            degraded = await _search(http, api.base_url, token, "naval")
            assert degraded["extensions"]["degraded"] == {"search": "meilisearch unavailable"}
            assert set(_names(degraded)) & set(_names(healthy))  # still useful answers
            ready = await http.get(f"{api.base_url}/readyz")
            assert ready.status_code == 200  # degraded search keeps the API in service

            await asyncio.to_thread(meili.start)
            caught_up = None
            deadline = time.monotonic() + 40  # the worker retries with backoff
            while caught_up is None and time.monotonic() < deadline:
                body = await _search(http, api.base_url, token, "Zzyzx")
                if "degraded" not in body["extensions"] and _names(body):
                    caught_up = body
                else:
                    await asyncio.sleep(0.5)
        assert caught_up is not None, (tmp_path / "worker.log").read_text()[-3000:]
        assert _names(caught_up) == ["Zzyzx Harbour Sentinel"]
    finally:
        worker.terminate()
        await asyncio.to_thread(worker.wait, 30)
        await asyncio.to_thread(api.stop)
