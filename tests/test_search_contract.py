"""One contract for every search backend: `sql` on SQLite, `sql` on PostgreSQL, and
`meilisearch` (on SQLite). Catalogues come from the demo seed plus writes through `write()`."""

import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta

import pytest

from catalog.core.db import Database
from catalog.core.enums import ProductCategory, ProductStatus
from catalog.core.errors import DomainError
from catalog.demo.seed import seed_demo
from catalog.models.base import utcnow
from catalog.products.filters import ProductFilter
from search.backend import SearchBackend, SearchQuery, SearchResult
from search.indexer import index_pending, rebuild
from search.meili import MeiliSearch
from search.meili_server import MeiliServer
from search.sql import SqlSearch
from tests.meili import meili_binary_or_skip
from tests.search_support import (
    add_product,
    org_id,
    principal_for,
    rename_organisation,
    revoke,
    set_status,
)

CASES = ["sql-sqlite", "sql-postgres", "meilisearch-sqlite"]


@pytest.fixture(params=CASES)
def search_case(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def backend(search_case: str) -> str:
    """The database under the search backend (overrides the conftest parametrisation)."""
    return search_case.rsplit("-", 1)[1]


@dataclass
class Search:
    backend: SearchBackend
    db: Database
    sync: Callable[[], Awaitable[None]]

    async def run(self, slug: str, text: str, **kwargs: object) -> SearchResult:
        principal = await principal_for(self.db, slug)
        return await self.backend.search(principal, SearchQuery(text, **kwargs))  # type: ignore[arg-type]

    async def ids(self, slug: str, text: str, **kwargs: object) -> list[uuid.UUID]:
        return [h.product_id for h in (await self.run(slug, text, **kwargs)).hits]


@pytest.fixture
async def search(
    search_case: str, db: Database, request: pytest.FixtureRequest
) -> AsyncIterator[Search]:
    await seed_demo(db)
    if search_case.startswith("sql"):

        async def nothing() -> None:
            return None

        yield Search(SqlSearch(db), db, nothing)
        return
    meili_binary_or_skip()
    server: MeiliServer = request.getfixturevalue("meili_server")
    backend = MeiliSearch(db, server.url, server.master_key, f"t_{uuid.uuid4().hex[:12]}")
    async for _ in rebuild(db, backend):
        pass

    async def sync() -> None:
        while await index_pending(db, backend):
            pass

    yield Search(backend, db, sync)
    await backend._call(backend.client.delete_index, backend.index_uid)


async def names(search: Search, ids: list[uuid.UUID]) -> list[str]:
    from sqlalchemy import select

    from catalog.models import Product

    async with search.db.read() as session:
        rows = dict((await session.execute(select(Product.id, Product.name))).all())
    return [rows[i] for i in ids]


async def test_exact_name_ranks_first(search: Search) -> None:
    found = await names(search, await search.ids("demo-curator", "Kremin"))
    assert found[:2] == ["Kremin", "Kremin-M"]


async def test_typo_tolerance_follows_meilisearch_defaults(search: Search) -> None:
    ground = await names(search, await search.ids("demo-curator", "grond drone", first=5))
    assert ground and all("Ground" in n for n in ground)  # "grond": 5 letters, one typo
    transposed = await names(search, await search.ids("demo-curator", "Kermin"))
    assert "Kremin" in transposed  # an adjacent transposition is one typo
    two_typos = await names(search, await search.ids("demo-curator", "kartohrapf"))
    assert two_typos == ["Kartohraf Minefield Mapping"]  # 9+ letters: two typos
    assert await search.ids("demo-curator", "Ryj ") == []  # under 5 letters: no typo


async def test_last_word_is_a_prefix(search: Search) -> None:
    found = await names(search, await search.ids("demo-curator", "Khvy"))
    assert sorted(found) == ["Khvylia-5 Naval Strike Drone", "Khvylia-7 Heavy Naval Drone"]
    assert await search.ids("demo-curator", "Khvy ") == []  # a finished word is not a prefix


async def test_filters_are_the_listing_filters(search: Search) -> None:
    naval = ProductFilter(category=ProductCategory.NAVAL_DRONE)
    result = await search.run("demo-curator", "drone", filter=naval, facets=("category",))
    assert result.hits and result.total == len(result.hits)
    assert [(v.value, v.count) for v in result.facets[0].values] == [("NAVAL_DRONE", result.total)]
    ml21 = await search.run("demo-curator", "", filter=ProductFilter(control_entry_prefix="ml21"))
    assert ml21.total and ml21.total > 0
    everything = await search.run("demo-curator", "")
    assert everything.total and ml21.total < everything.total
    # The search text is the query: the listings' substring filter is not applied twice.
    kremin = await search.run("demo-curator", "Kremin", filter=ProductFilter(text="zzz"))
    assert kremin.total == 2


async def test_facets_count_the_visible_results(search: Search) -> None:
    facets = ("category", "controlEntry", "manufacturer", "techTransfer")
    result = await search.run("demo-partner-DE", "drone", facets=facets, first=100)
    assert result.total == len(result.hits) > 0
    for facet in result.facets:
        assert sum(v.count for v in facet.values) == result.total, facet.name
    makers = next(f for f in result.facets if f.name == "manufacturer")
    assert all(v.label for v in makers.values)


async def test_pagination_walks_every_hit_once(search: Search) -> None:
    everything = await search.run("demo-partner-PL", "", first=100)
    seen: list[uuid.UUID] = []
    offset = 0
    while True:
        page = await search.run("demo-partner-PL", "", first=4, offset=offset)
        seen += [h.product_id for h in page.hits]
        if not page.has_next_page:
            break
        offset += 4
    assert seen == [h.product_id for h in everything.hits]
    assert len(seen) == everything.total


async def test_hidden_products_are_never_hits_nor_counted(search: Search) -> None:
    product = await add_product(search.db, "Zyrkon Test Rover", countries=("PL",))
    await search.sync()
    facets = ("category", "manufacturer")
    pl = await search.run("demo-partner-PL", "zyrkon", facets=facets)
    de = await search.run("demo-partner-DE", "zyrkon", facets=facets)
    assert [h.product_id for h in pl.hits] == [product] and pl.total == 1
    assert de.hits == () and de.total == 0
    assert all(f.values == () for f in de.facets)

    await revoke(search.db, product, "PL")  # no indexer run: must vanish at once
    revoked = await search.run("demo-partner-PL", "zyrkon", facets=facets)
    assert revoked.hits == () and revoked.total == 0
    assert all(f.values == () for f in revoked.facets)
    await search.sync()
    assert (await search.run("demo-partner-PL", "zyrkon")).total == 0


async def test_hidden_best_matches_neither_shorten_a_page_nor_show(search: Search) -> None:
    """The exact-name matches rank first but are hidden from Poland (an expired release, a
    suspended listing, a revoked release): pages of visible products stay full."""
    past = utcnow() - timedelta(days=1)
    hidden = [await add_product(search.db, "Zyxvor", countries=("PL",), expires_at=past)]
    hidden.append(await add_product(search.db, "Zyxvor", countries=("PL",)))
    await set_status(search.db, hidden[-1], ProductStatus.SUSPENDED)
    hidden.append(await add_product(search.db, "Zyxvor", countries=("PL",)))
    await revoke(search.db, hidden[-1], "PL")
    shown = [await add_product(search.db, f"Zyxvor Rover {n}", countries=("PL",)) for n in "ABC"]
    await search.sync()
    pages = [
        await search.run("demo-partner-PL", "zyxvor", first=2, offset=0, facets=("category",)),
        await search.run("demo-partner-PL", "zyxvor", first=2, offset=2, facets=("category",)),
    ]
    assert [len(p.hits) for p in pages] == [2, 1]
    assert [p.has_next_page for p in pages] == [True, False]
    assert sorted(h.product_id for p in pages for h in p.hits) == sorted(shown)
    assert all(p.total == 3 and p.facets[0].values[0].count == 3 for p in pages)
    curator = await search.ids("demo-curator", "zyxvor", first=10)
    assert set(curator[:3]) == set(hidden)  # they are the best matches


async def test_a_maker_shown_only_once_stale_counts_are_discounted_has_its_name(
    search: Search, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With one manufacturer value shown, the one that leads in the index loses its products
    to a revocation the indexer has not seen yet: the other one is shown, named."""
    for module in ("search.meili", "search.sql"):
        monkeypatch.setattr(f"{module}.MAX_FACET_VALUES", 1)
    leading = [
        await add_product(search.db, f"Wyvrest Crawler {n}", countries=("PL",)) for n in "AB"
    ]
    await add_product(
        search.db, "Wyvrest Crawler C", countries=("PL",), manufacturer="demo-manufacturer-2"
    )
    await search.sync()
    before = await search.run("demo-partner-PL", "wyvrest", facets=("manufacturer",))
    first = await org_id(search.db, "demo-manufacturer-1")
    assert [(v.value, v.count) for v in before.facets[0].values] == [(str(first), 2)]
    for product in leading:
        await revoke(search.db, product, "PL")  # no indexer run
    after = await search.run("demo-partner-PL", "wyvrest", facets=("manufacturer",))
    second = await principal_for(search.db, "demo-manufacturer-2")
    assert [(v.value, v.count, v.label) for v in after.facets[0].values] == [
        (str(second.org_id), 1, second.org_name)
    ]


async def test_a_facet_shows_its_most_frequent_values_ties_in_code_point_order(
    search: Search, monkeypatch: pytest.MonkeyPatch
) -> None:
    """With fewer values shown than there are, the cut falls where the shown order puts it:
    most matches first, then by value as Python orders text ("ML1.a" before "ML10": a
    locale's collation, which ignores punctuation at first, would put it after)."""
    for module in ("search.meili", "search.sql"):
        monkeypatch.setattr(f"{module}.MAX_FACET_VALUES", 2)
    for entry in ("ML10", "ML1a", "ML1.a", "ML2", "ML2"):
        await add_product(search.db, f"Quennoby {entry}", countries=("PL",), control_entry=entry)
    await search.sync()
    result = await search.run("demo-partner-PL", "quennoby", facets=("controlEntry",))
    assert result.total == 5
    assert [(v.value, v.count) for v in result.facets[0].values] == [("ML2", 2), ("ML1.a", 1)]


async def test_suspension_hides_at_once(search: Search) -> None:
    kremin = (await search.ids("demo-partner-PL", "Kremin"))[0]
    await set_status(search.db, kremin, ProductStatus.SUSPENDED)
    result = await search.run("demo-partner-PL", "Kremin", facets=("category",))
    assert kremin not in [h.product_id for h in result.hits]
    assert result.total == len(result.hits)
    assert sum(v.count for v in result.facets[0].values) == result.total


async def test_manufacturer_sees_own_drafts_only(search: Search) -> None:
    draft = await add_product(search.db, "Quorvex Draft Crawler", status=ProductStatus.DRAFT)
    await search.sync()
    assert await search.ids("demo-manufacturer-1", "quorvex") == [draft]
    assert await search.ids("demo-manufacturer-2", "quorvex") == []
    assert await search.ids("demo-partner-PL", "quorvex") == []
    assert await search.ids("demo-curator", "quorvex") == [draft]


async def test_unvetted_partner_sees_nothing(search: Search) -> None:
    assert (await search.run("demo-partner-SK", "")).total == 0
    assert (await search.run("demo-partner-RO", "drone")).total == 0


async def test_invalid_queries_are_refused(search: Search) -> None:
    with pytest.raises(DomainError):
        await search.run("demo-curator", "drone", facets=("status",))
    with pytest.raises(DomainError):
        await search.run("demo-curator", "drone", first=101)


async def test_highlights_mark_the_matched_words(search: Search) -> None:
    result = await search.run("demo-curator", "Kremin")
    assert result.hits[0].highlights[0] == "<mark>Kremin</mark>"


async def test_highlights_are_not_worked_out_unasked(search: Search) -> None:
    asked = await search.run("demo-curator", "drone", first=10)
    unasked = await search.run("demo-curator", "drone", first=10, with_highlights=False)
    assert any(hit.highlights for hit in asked.hits)
    assert [h.product_id for h in unasked.hits] == [h.product_id for h in asked.hits]
    assert all(hit.highlights == () for hit in unasked.hits)
    assert (unasked.total, unasked.facets) == (asked.total, asked.facets)


async def test_manufacturer_names_are_searchable_and_follow_renames(search: Search) -> None:
    maker = await org_id(search.db, "demo-manufacturer-3")
    await rename_organisation(search.db, "demo-manufacturer-3", "Yavirnyk Systems")
    await search.sync()
    result = await search.run("demo-curator", "yavirnyk", facets=("manufacturer",), first=100)
    assert result.total and result.total > 0
    assert [(v.value, v.label) for v in result.facets[0].values] == [
        (str(maker), "Yavirnyk Systems")
    ]
    assert (await search.run("demo-curator", "kalyna dynamics")).total == 0


async def test_every_hit_carries_its_product_as_the_listing_reads_it(search: Search) -> None:
    """A hit's row, read by the statement that checked its visibility, is the product row the
    product loader reads (`get_many_visible`): every column, its manufacturer's included; a
    filtered search (another statement shape) too."""
    from catalog.products.listing import get_many_visible

    principal = await principal_for(search.db, "demo-partner-PL")
    for query in (
        SearchQuery("drone", first=10),
        SearchQuery("drone", filter=ProductFilter(category=ProductCategory.GROUND_DRONE)),
    ):
        result = await search.backend.search(principal, query)
        assert result.hits
        read = await get_many_visible(search.db, principal, [h.product_id for h in result.hits])
        for hit in result.hits:
            expected = read[hit.product_id]._asdict()
            assert {name: getattr(hit.row, name) for name in expected} == expected
