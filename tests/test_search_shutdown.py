"""The app closes the search backend it built, at shutdown: Meilisearch searches go over a
kept-alive HTTP pool (search/meili_route.py) that would otherwise outlive the app."""

import contextlib

import httpx
from meilisearch.errors import MeilisearchApiError
from starlette.applications import Starlette

from api.app import create_app
from api.settings import Settings
from catalog.core.db import Database
from search.fallback import FallbackSearch
from search.meili import MeiliSearch
from search.meili_route import SearchRoute
from search.meili_server import MeiliServer
from tests.meili import searching_meilisearch
from tests.tokens import bearer, issue_token

SEARCH = {"query": '{ search(query: "naval", first: 3) { edges { node { name } } } }'}


def _route(app: Starlette) -> SearchRoute:
    backend = app.state.search._backend  # TimedSearch around what create_app built
    assert isinstance(backend, FallbackSearch) and isinstance(backend.primary, MeiliSearch)
    return backend.primary._search


async def test_the_meilisearch_pool_is_closed_when_the_app_stops(
    settings: Settings,
    seeded: Database,
    meili_server: MeiliServer,
) -> None:
    configured = searching_meilisearch(settings, meili_server)
    app = create_app(configured, db=seeded)
    route = _route(app)
    async with app.router.lifespan_context(app):
        transport = httpx.ASGITransport(app=app)
        async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as api:
            token = await issue_token(api, seeded, "demo-partner-PL")
            answer = await api.post("/graphql", json=SEARCH, headers=bearer(token))
            assert answer.status_code == 200, answer.text
        pool = route._http
        assert pool is not None and not pool.is_closed  # the search went over the pool
    assert pool.is_closed and route._http is None


async def test_a_search_backend_given_to_the_app_is_left_to_its_owner(
    settings: Settings,
    seeded: Database,
    meili_server: MeiliServer,
) -> None:
    route = SearchRoute(meili_server.url, "products", meili_server.master_key)
    backend = MeiliSearch(seeded, meili_server.url, meili_server.master_key)
    backend._search = route
    app = create_app(settings, db=seeded, search=backend)
    async with app.router.lifespan_context(app):
        # Another test may have built the index in this server, or none has yet (404): either
        # way the search went over the pool.
        with contextlib.suppress(MeilisearchApiError):
            await route({"q": "naval"})
    assert route._http is not None and not route._http.is_closed
    await backend.close()
    assert route._http is None
