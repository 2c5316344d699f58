"""The GraphQL `search` field over the configured backend (`sql` here on SQLite and
PostgreSQL; Meilisearch through an app built with that backend)."""

import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx

from api.app import create_app
from api.settings import Settings
from catalog.core.db import Database
from search.backend import SearchQuery
from search.indexer import rebuild
from search.meili import MeiliSearch
from search.meili_server import MeiliServer
from search.sql import SqlSearch
from tests.graphql import error_codes, gql
from tests.search_support import add_product, principal_for, revoke
from tests.sqlcount import count_statements

SEARCH = """
query($q: String!, $filter: ProductFilter, $facets: [String!], $first: Int, $after: String) {
  search(query: $q, filter: $filter, facets: $facets, first: $first, after: $after) {
    totalCount
    edges { cursor score highlights node { id name category manufacturer { id name } } }
    pageInfo { hasNextPage endCursor }
    facets { name values { value count label } }
  }
}"""


async def _search(api: httpx.AsyncClient, token: str, **variables: Any) -> dict[str, Any]:
    body = await gql(api, token, SEARCH, variables)
    return dict(body["data"]["search"])


async def test_search_finds_ranks_highlights_and_counts(
    api: httpx.AsyncClient, token_for: Any
) -> None:
    partner = await token_for("demo-partner-PL")
    result = await _search(api, partner, q="Kremin", facets=["category", "manufacturer"])
    first = result["edges"][0]
    assert first["node"]["name"] == "Kremin"
    assert first["highlights"] == ["<mark>Kremin</mark>"]
    assert result["totalCount"] == len(result["edges"]) == 2
    makers = next(f for f in result["facets"] if f["name"] == "manufacturer")
    assert makers["values"][0]["value"] == first["node"]["manufacturer"]["id"]
    assert makers["values"][0]["label"] == first["node"]["manufacturer"]["name"]

    # A manufacturer facet value is a usable filter.
    narrowed = await _search(
        api, partner, q="drone", filter={"manufacturerId": makers["values"][0]["value"]}
    )
    assert narrowed["edges"] and all(
        e["node"]["manufacturer"]["id"] == makers["values"][0]["value"] for e in narrowed["edges"]
    )


async def test_highlights_come_through_fragments_and_only_when_selected(
    api: httpx.AsyncClient, token_for: Any
) -> None:
    partner = await token_for("demo-partner-PL")
    through_fragment = """
    query($q: String!) { search(query: $q) { ...Hits } }
    fragment Hits on SearchConnection { edges { ... on SearchEdge { highlights } } }"""
    body = await gql(api, partner, through_fragment, {"q": "Kremin"})
    assert body["data"]["search"]["edges"][0]["highlights"] == ["<mark>Kremin</mark>"]
    plain = await gql(api, partner, '{ search(query: "Kremin") { edges { score } } }')
    assert plain["data"]["search"]["edges"][0]["score"] > 0


async def test_search_pages_with_cursors(api: httpx.AsyncClient, token_for: Any) -> None:
    curator = await token_for("demo-curator")
    everything = await _search(api, curator, q="drone", first=100)
    seen: list[str] = []
    after = None
    while True:
        page = await _search(api, curator, q="drone", first=3, after=after)
        seen += [e["node"]["id"] for e in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [e["node"]["id"] for e in everything["edges"]]
    assert len(seen) == everything["totalCount"] > 3


async def test_search_hides_what_the_partner_may_not_see(
    api: httpx.AsyncClient, seeded: Database, token_for: Any
) -> None:
    product = await add_product(seeded, "Zyrkon Test Rover", countries=("PL",))
    pl, de = await token_for("demo-partner-PL"), await token_for("demo-partner-DE")
    facets = ["category", "controlEntry", "manufacturer", "techTransfer"]
    assert (await _search(api, pl, q="zyrkon", facets=facets))["totalCount"] == 1
    hidden = await _search(api, de, q="zyrkon", facets=facets)
    assert hidden["edges"] == [] and hidden["totalCount"] == 0
    assert all(f["values"] == [] for f in hidden["facets"])
    await revoke(seeded, product, "PL")
    assert (await _search(api, pl, q="zyrkon", facets=facets))["totalCount"] == 0


async def test_search_refuses_bad_input_and_missing_scope(
    api: httpx.AsyncClient, token_for: Any
) -> None:
    curator = await token_for("demo-curator")
    body = await gql(api, curator, SEARCH, {"q": "x", "facets": ["status"]}, expect_errors=True)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    body = await gql(api, curator, SEARCH, {"q": "x", "after": "nonsense"}, expect_errors=True)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    body = await gql(api, curator, SEARCH, {"q": "x", "first": 101}, expect_errors=True)
    assert error_codes(body) == ["BAD_USER_INPUT"]
    no_read = await token_for("demo-partner-PL", scopes=["quotes:read"])
    body = await gql(api, no_read, SEARCH, {"q": "drone"}, expect_errors=True)
    assert error_codes(body) == ["FORBIDDEN"]


async def _meili_api(
    settings: Settings, db: Database, server: MeiliServer
) -> AsyncIterator[httpx.AsyncClient]:
    backend = MeiliSearch(db, server.url, server.master_key, f"t_{uuid.uuid4().hex[:12]}")
    async for _ in rebuild(db, backend):
        pass
    app = create_app(settings, db=db, search=backend)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        yield client


async def test_search_through_meilisearch(
    settings: Settings, seeded: Database, meili_server: MeiliServer, token_for: Any
) -> None:
    token = await token_for("demo-partner-DE")
    async for client in _meili_api(settings, seeded, meili_server):
        result = await _search(client, token, q="grond drone", facets=["category"], first=5)
        assert result["edges"] and result["totalCount"] > 0
        assert "Ground" in result["edges"][0]["node"]["name"]
        assert {e["node"]["category"] for e in result["edges"]} <= {"GROUND_DRONE", "SOFTWARE"}
        response = await client.get("/readyz")
        assert response.json()["checks"]["search"] == "ok"


NODES = """query($q: String!) { search(query: $q, first: 5) { edges { cursor %s } } }"""
NODE_FIELDS = "node { id name category specs { __typename } manufacturer { id name } }"


async def _statements_of(api: httpx.AsyncClient, db: Database, token: str, query: str) -> int:
    with count_statements(db) as counted:
        body = await gql(api, token, query, {"q": "drone"})
    assert body["data"]["search"]["edges"]
    return counted.count


async def test_search_nodes_cost_no_statement_of_their_own(
    api: httpx.AsyncClient, seeded: Database, token_for: Any
) -> None:
    """The nodes come with the hits, read by the statement that checked their visibility: a
    GraphQL search with its nodes costs the statements of the backend's search alone."""
    partner = await token_for("demo-partner-PL")
    await _statements_of(api, seeded, partner, NODES % NODE_FIELDS)  # caches warm
    principal = await principal_for(seeded, "demo-partner-PL")
    backend, query = SqlSearch(seeded), SearchQuery("drone", first=5)
    await backend.search(principal, query)  # its caches warm too
    with count_statements(seeded) as backend_alone:
        assert (await backend.search(principal, query)).hits
    assert await _statements_of(api, seeded, partner, NODES % NODE_FIELDS) == backend_alone.count


async def test_meilisearch_nodes_cost_no_statement_of_their_own(
    settings: Settings, seeded: Database, meili_server: MeiliServer, token_for: Any
) -> None:
    token = await token_for("demo-partner-PL")
    async for client in _meili_api(settings, seeded, meili_server):
        await _statements_of(client, seeded, token, NODES % "")
        bare = await _statements_of(client, seeded, token, NODES % "")
        assert bare == 1  # the re-check: visibility, stale products and names together
        assert await _statements_of(client, seeded, token, NODES % NODE_FIELDS) == bare
