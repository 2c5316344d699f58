"""The benchmark server books Meilisearch's own processing time (bench/counting.py
`IndexTime`), so that a run can set the service's search latency against the index's."""

import httpx

from api.settings import Settings
from bench import baseline_app
from bench.scenarios import SEARCH_ARGS, SEARCH_QUERY
from catalog.core.db import Database
from search.meili import MeiliSearch
from search.meili_server import MeiliServer
from tests.meili import searching_meilisearch
from tests.tokens import bearer, issue_token


async def _searched_stats(settings: Settings, db: Database, searches: int) -> dict[str, float]:
    app = baseline_app.app(settings)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1") as api:
            token = await issue_token(api, db, "demo-partner-PL")
            search = {"query": SEARCH_QUERY, "variables": SEARCH_ARGS}
            for _ in range(searches):
                answer = await api.post("/graphql", json=search, headers=bearer(token))
                assert answer.status_code == 200 and "errors" not in answer.json(), answer.text
            stats: dict[str, float] = (await api.get("/baseline/stats")).json()
    return stats


async def test_searches_over_meilisearch_book_its_own_time(
    settings: Settings, seeded: Database, meili_server: MeiliServer
) -> None:
    configured = searching_meilisearch(settings, meili_server, meili_index="bench-index-time")
    index = MeiliSearch(seeded, meili_server.url, meili_server.master_key, "bench-index-time")
    await index.ensure_index()
    stats = await _searched_stats(configured, seeded, 3)
    assert stats["index_queries"] >= 3  # one per search, more while the index lags
    assert stats["index_ms"] >= 0


async def test_searches_without_an_index_book_none(settings: Settings, seeded: Database) -> None:
    stats = await _searched_stats(settings, seeded, 2)
    assert (stats["index_queries"], stats["index_ms"]) == (0, 0)
