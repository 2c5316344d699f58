"""Builds the configured search backend (`SEARCH_BACKEND=sql|meilisearch`)."""

from typing import Literal

from catalog.core.db import Database
from search.backend import SearchBackend
from search.fallback import FallbackSearch
from search.meili import MeiliSearch
from search.sql import SqlSearch


def build_backend(
    kind: Literal["sql", "meilisearch"],
    db: Database,
    *,
    meili_url: str = "http://127.0.0.1:7700",
    meili_key: str | None = None,
    meili_index: str = "products",
    degrade_to_sql: bool = False,
) -> SearchBackend:
    """`degrade_to_sql`: searches fall back to the sql backend while Meilisearch is away (for
    the API; the outbox worker must wait for Meilisearch instead)."""
    if kind == "meilisearch":
        meili = MeiliSearch(db, meili_url, meili_key, meili_index)
        return FallbackSearch(meili, SqlSearch(db)) if degrade_to_sql else meili
    return SqlSearch(db)
