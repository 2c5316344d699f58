"""What the `sql` backend's one statement reads, beyond what the contract shows."""

from typing import Any

import pytest

from catalog.core.db import Database
from catalog.demo.seed import seed_demo
from search.backend import SearchQuery
from search.sql import SqlSearch
from tests.search_support import add_product, principal_for


async def test_a_facets_values_beyond_those_shown_are_not_read(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A query's manufacturers can number hundreds; each value the statement returns is a
    row to read and convert, so it returns only the values shown."""
    monkeypatch.setattr("search.sql.MAX_FACET_VALUES", 2)
    await seed_demo(db)
    for entry in ("ML3", "ML4", "ML5", "ML5"):
        await add_product(db, f"Pellutrex {entry}", countries=("PL",), control_entry=entry)
    backend = SqlSearch(db)
    returned: list[Any] = []
    fetch = db.fetch

    async def recorded_fetch(*args: Any, **kwargs: Any) -> list[Any]:
        rows = await fetch(*args, **kwargs)
        returned.extend(rows)
        return rows

    monkeypatch.setattr(db, "fetch", recorded_fetch)
    principal = await principal_for(db, "demo-partner-PL")
    result = await backend.search(principal, SearchQuery("pellutrex", facets=("controlEntry",)))
    assert [(v.value, v.count) for v in result.facets[0].values] == [("ML5", 2), ("ML3", 1)]
    assert result.total == 4
    read = [row[4] for row in returned if row[0] == "count" and row[3] == "controlEntry"]
    assert read == ["ML5", "ML3"]
