"""The `sql` backend narrows a partner's matches to the products released to its country inside
the index (migration 0014). The pairs it reads must follow every write, and narrowing must
never change an answer: `visible_products` still decides on what is left."""

import dataclasses
from datetime import timedelta
from typing import Any

import pytest
import sqlalchemy as sa

from catalog.core.db import Database
from catalog.core.enums import ProductStatus
from catalog.demo.seed import seed_demo
from catalog.models.base import utcnow
from catalog.products.releases import release_product, revoke_release
from search import sql as sql_backend
from search.backend import SearchQuery, SearchResult
from search.sql import SqlSearch
from tests.search_support import (
    add_product,
    indexed_pairs,
    live_pairs,
    principal_for,
    rename,
    rename_organisation,
    revoke,
    set_status,
)

FACETS = ("category", "controlEntry", "manufacturer", "techTransfer")


async def test_release_pairs_follow_every_write(db: Database) -> None:
    await seed_demo(db)
    assert await indexed_pairs(db) == await live_pairs(db)
    curator = await principal_for(db, "demo-curator")

    product = await add_product(db, "Vortelm Test Crawler", countries=("PL", "DE"))
    assert await indexed_pairs(db) == await live_pairs(db)
    await release_product(db, curator, product, ["CZ"])
    await revoke_release(db, curator, product, ["DE"])
    assert {c for c, p in await indexed_pairs(db) if p == product} == {"PL", "CZ"}
    await rename(db, product, "Vortelm Test Crawler II")  # the document is written anew
    await rename_organisation(db, "demo-manufacturer-1", "Vortelm Works")  # and again
    assert await indexed_pairs(db) == await live_pairs(db)
    await release_product(db, curator, product, ["DE"])  # released again after a revocation
    await revoke(db, product, "PL")
    assert {c for c, p in await indexed_pairs(db) if p == product} == {"CZ", "DE"}

    backend = SqlSearch(db)
    await backend.apply([product])  # a repair rewrites the document: its pairs follow
    async for _ in backend.reindex():
        pass
    assert await indexed_pairs(db) == await live_pairs(db)


@pytest.mark.parametrize("first", [1, 3, 100])
async def test_narrowing_never_changes_an_answer(
    db: Database, monkeypatch: pytest.MonkeyPatch, first: int
) -> None:
    await seed_demo(db)
    past = utcnow() - timedelta(days=1)
    # Released to PL but hidden: an expired release, a suspended listing, a revoked release.
    await add_product(db, "Drone", countries=("PL",), expires_at=past)
    suspended = await add_product(db, "Drone Suspended", countries=("PL", "DE"))
    await set_status(db, suspended, ProductStatus.SUSPENDED)
    revoked = await add_product(db, "Drone Revoked", countries=("PL",))
    await revoke(db, revoked, "PL")
    backend = SqlSearch(db)

    async def both(slug: str, text: str, offset: int) -> tuple[SearchResult, SearchResult]:
        principal = await principal_for(db, slug)
        query = SearchQuery(text, facets=FACETS, first=first, offset=offset)
        narrowed = await backend.search(principal, query)
        with monkeypatch.context() as patch:
            patch.setattr(sql_backend, "release_country", lambda _principal: None)
            everything = await backend.search(principal, query)
        return narrowed, everything

    for slug in ("demo-partner-PL", "demo-partner-DE", "demo-partner-SK", "demo-curator"):
        for text in ("drone", "kremin", "grond drone", "naval", "dron"):
            for offset in (0, 1, 4):
                narrowed, everything = await both(slug, text, offset)
                assert _comparable(narrowed) == _comparable(everything), (slug, text, offset)


def _comparable(result: SearchResult) -> SearchResult:
    """Scores are floats computed the same way; compare them rounded."""
    hits = tuple(dataclasses.replace(h, score=round(h.score, 9)) for h in result.hits)
    return dataclasses.replace(result, hits=hits)


async def test_a_partners_search_reads_the_match_first_and_checks_each_candidate(
    db: Database,
) -> None:
    """SQLite: the match drives the join whatever the statistics (none here: no ANALYZE ran),
    the release pairs are probed by country and rowid, and each candidate's product columns
    come from one index, without reading the product's wide row. PostgreSQL: visibility stays a
    per-candidate subplan, never a join against all of the country's releases."""
    await seed_demo(db)
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, statement: str, params: Any, *_: Any) -> None:
        if "MATERIALIZED" in statement:
            captured.append((statement, params))

    engine = db.engine.sync_engine
    sa.event.listen(engine, "before_cursor_execute", capture)
    try:
        principal = await principal_for(db, "demo-partner-PL")
        await SqlSearch(db).search(principal, SearchQuery("kremin", facets=FACETS))
    finally:
        sa.event.remove(engine, "before_cursor_execute", capture)
    [(statement, params)] = captured
    explain = "EXPLAIN QUERY PLAN " if db.is_sqlite else "EXPLAIN "
    async with db.engine.connect() as conn:
        rows = (await conn.exec_driver_sql(explain + statement, params)).all()
    plan = [str(row[-1]) for row in rows]
    if db.is_sqlite:
        joined = ("SCAN product_search_fts", "SEARCH product_search_release", "SEARCH product ")
        reads = [step for step in plan if step.startswith(joined)]
        assert reads[0].startswith("SCAN product_search_fts"), plan
        assert (
            reads[1] == "SEARCH product_search_release USING PRIMARY KEY (country=? AND doc_id=?)"
        )
        assert reads[2].startswith(
            "SEARCH product USING COVERING INDEX product_search_product_columns (id=?"
        ), plan
    else:
        text = "\n".join(plan)
        assert "SubPlan" in text and "Semi Join" not in text, text
        assert "released_to @>" in text, text
