"""The Meilisearch backend, for catalogues beyond what the embedded index serves well.

Visibility is enforced twice. Meilisearch filters server-side with a filter built only from
the principal's organisation record (validated ISO code, manufacturer id): for an index that is
up to date that filter equals `visible_products`. The database then re-checks every hit with
`visible_products`, and facet counts and the total drop the matches of products whose outbox
events the indexer has not processed yet and that the database now hides (a revocation or a
suspension takes effect before the worker runs). Products that just became visible appear once
indexed.

A search is one index query, then one database statement (search/meili_recheck.py) holding
all of the above: the embargo check, the page's re-check, the indexer's backlog, the names of
the manufacturers shown. Only while the indexer lags behind a change does it take more
(`_discount_stale`).

Searches go over one kept-alive async HTTP connection pool per event loop
(search/meili_route.py); everything else (settings, documents, tasks, health) uses the official
client, which is blocking, in a worker thread.
"""

import asyncio
import html
import re
import time
import uuid
from collections.abc import AsyncIterator, Iterable, Sequence
from functools import partial
from typing import Any

import meilisearch
import sqlalchemy as sa
from meilisearch.errors import MeilisearchError
from sqlmodel import col

from catalog.access import is_active_partner
from catalog.core.db import Database
from catalog.core.enums import OrgKind, ProductStatus
from catalog.core.principal import Principal
from catalog.models import Product
from catalog.products.filters import ProductFilter
from catalog.visibility import visible_products
from search.backend import (
    FACETS,
    MAX_FACET_VALUES,
    Facet,
    FacetValue,
    Health,
    SearchHit,
    SearchQuery,
    SearchResult,
    validate_query,
)
from search.documents import load_documents
from search.meili_recheck import maker_labels, recheck
from search.meili_route import SearchRoute

TASK_TIMEOUT_MS = 60_000
_PRE, _POST = "\x02", "\x03"  # markers that cannot occur in text; replaced after escaping
_ISO = re.compile(r"^[A-Z]{2}$")

SETTINGS: dict[str, Any] = {
    "searchableAttributes": [
        "name",
        "manufacturer",
        "keywords",
        "summary",
        "description",
        "combat",
    ],
    "displayedAttributes": ["id", "name", "summary"],
    "filterableAttributes": [
        "id",
        "released_countries",
        "release_expiry",
        "status",
        "category",
        "manufacturer_id",
        "control_entry",
        "control_entry_prefixes",
        "tech_transfer",
        "units_available",
        "export_centres",
    ],
    "sortableAttributes": ["name"],
    "rankingRules": ["words", "typo", "proximity", "attribute", "sort", "exactness", "name:asc"],
    "typoTolerance": {"enabled": True, "minWordSizeForTypos": {"oneTypo": 5, "twoTypos": 9}},
    "synonyms": {
        "ugv": ["ground drone", "unmanned ground vehicle"],
        "ground drone": ["ugv"],
        "usv": ["naval drone", "sea drone"],
        "naval drone": ["usv", "sea drone"],
        "sea drone": ["usv", "naval drone"],
    },
    "faceting": {"maxValuesPerFacet": 500},
    "pagination": {"maxTotalHits": 100_000},
}


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def principal_filter(principal: Principal, now_epoch: int) -> list[str] | None:
    """The index-side form of `visible_products`; None means "nothing is visible"."""
    if principal.kind in (OrgKind.CURATOR, OrgKind.LICENSING):
        return []
    if principal.kind is OrgKind.MANUFACTURER and principal.org_id is not None:
        return [f"manufacturer_id = {_quote(str(principal.org_id))}"]
    country = principal.country or ""
    if is_active_partner(principal) and _ISO.match(country):
        return [
            f"status = {ProductStatus.PUBLISHED.value}",
            f"released_countries = {country}",
            f"(release_expiry.{country} NOT EXISTS OR release_expiry.{country} > {now_epoch})",
        ]
    return None


def product_filter(f: ProductFilter | None) -> list[str]:
    if f is None:
        return []
    clauses = []
    if f.category is not None:
        clauses.append(f"category = {_quote(str(f.category))}")
    if f.control_entry_prefix:
        clauses.append(f"control_entry_prefixes = {_quote(f.control_entry_prefix.upper())}")
    if f.manufacturer_id is not None:
        clauses.append(f"manufacturer_id = {_quote(str(f.manufacturer_id))}")
    if f.tech_transfer is not None:
        clauses.append(f"tech_transfer = {_quote(str(f.tech_transfer))}")
    if f.min_units_available is not None:
        clauses.append(f"units_available >= {int(f.min_units_available)}")
    if f.export_centre_id is not None:
        clauses.append(f"export_centres = {_quote(str(f.export_centre_id))}")
    return clauses


def _formatted(value: Any) -> str | None:
    text = str(value or "")
    if _PRE not in text:
        return None
    return html.escape(text).replace(_PRE, "<mark>").replace(_POST, "</mark>")


class MeiliSearch:
    name = "meilisearch"

    def __init__(self, db: Database, url: str, api_key: str | None, index_uid: str = "products"):
        self.db = db
        self.client = meilisearch.Client(url, api_key, timeout=10)
        self.index_uid = index_uid
        self.index = self.client.index(index_uid)
        self._search = SearchRoute(url, index_uid, api_key)

    async def _call(self, fn: Any, *args: Any, **kwargs: Any) -> Any:
        return await asyncio.to_thread(partial(fn, *args, **kwargs))

    async def _wait(self, task: Any, *, tolerate: str | None = None) -> None:
        done = await self._call(self.client.wait_for_task, task.task_uid, TASK_TIMEOUT_MS)
        if done.status == "succeeded":
            return
        if tolerate is not None and (done.error or {}).get("code") == tolerate:
            return
        raise RuntimeError(f"Meilisearch task {task.task_uid} {done.status}: {done.error}")

    async def ensure_index(self) -> None:
        """Create the index if needed and apply the settings (idempotent)."""
        created = await self._call(self.client.create_index, self.index_uid, {"primaryKey": "id"})
        await self._wait(created, tolerate="index_already_exists")
        await self._wait(await self._call(self.index.update_settings, SETTINGS))

    async def close(self) -> None:
        await self._search.close()

    async def health(self) -> Health:
        try:
            await self._call(self.client.health)
        except (MeilisearchError, OSError) as error:
            return Health(False, self.name, type(error).__name__)
        return Health(True, self.name)

    async def apply(self, product_ids: Sequence[uuid.UUID]) -> None:
        ids = list(dict.fromkeys(product_ids))
        if not ids:
            return
        documents, missing = await load_documents(self.db, ids)
        if documents:
            await self._wait(await self._call(self.index.add_documents, documents, "id"))
        if missing:
            await self._wait(
                await self._call(self.index.delete_documents, [str(i) for i in missing])
            )

    async def reindex(self, batch_size: int = 500) -> AsyncIterator[int]:
        await self.ensure_index()
        after: uuid.UUID | None = None
        while True:
            async with self.db.read() as session:
                stmt = sa.select(col(Product.id)).order_by(col(Product.id)).limit(batch_size)
                if after is not None:
                    stmt = stmt.where(col(Product.id) > after)
                ids = list((await session.execute(stmt)).scalars())
            if not ids:
                return
            await self.apply(ids)
            after = ids[-1]
            yield len(ids)

    async def search(self, principal: Principal, query: SearchQuery) -> SearchResult:
        query = validate_query(query)
        now = int(time.time())
        scope = principal_filter(principal, now)
        if scope is None:
            return _empty(query)
        filters = scope + product_filter(query.filter)
        facet_fields = sorted({FACETS[n] for n in query.facets} | {"category"})
        response = await self._index_search(query, filters, facet_fields)
        distribution = _counts(response.get("facetDistribution", {}))
        page = [uuid.UUID(h["id"]) for h in response["hits"][: query.first]]
        named = "manufacturer" in query.facets
        makers = _shown(distribution.get("manufacturer_id", {})) if named else []
        checked = await recheck(self.db, principal, page, [uuid.UUID(m) for m, _ in makers])
        if not checked.allowed:
            return _empty(query)
        labels = checked.labels
        if checked.pending:
            await self._discount_stale(
                principal, query.text, filters, facet_fields, distribution, checked.pending
            )
            # Discounted counts may show manufacturers the recheck did not name.
            shown = _shown(distribution.get("manufacturer_id", {})) if named else []
            unnamed = [uuid.UUID(m) for m, _ in shown if m not in labels]
            labels = {**labels, **await maker_labels(self.db, unnamed)}
        hits = tuple(
            SearchHit(
                product_id,
                float(h.get("_rankingScore", 0.0)),
                _highlights(h),
                checked.visible[product_id],
            )
            for product_id, h in zip(page, response["hits"][: query.first], strict=True)
            if product_id in checked.visible
        )
        return SearchResult(
            hits=hits,
            offset=query.offset,
            has_next_page=len(response["hits"]) > query.first,
            total=sum(distribution.get("category", {}).values()),
            facets=_facets(query, distribution, labels),
        )

    async def _index_search(
        self, query: SearchQuery, filters: list[str], facet_fields: list[str]
    ) -> dict[str, Any]:
        request: dict[str, Any] = {
            "q": query.text,
            "filter": filters,
            "facets": facet_fields,
            "offset": query.offset,
            "limit": query.first + 1,
            "attributesToRetrieve": ["id"],
            "showRankingScore": True,
        }
        if query.with_highlights:
            request |= {
                "attributesToRetrieve": ["id", "name", "summary"],
                "attributesToHighlight": ["name", "summary"],
                "attributesToCrop": ["summary"],
                "cropLength": 24,
                "highlightPreTag": _PRE,
                "highlightPostTag": _POST,
            }
        return await self._search(request)

    async def _visible_ids(self, principal: Principal, ids: Sequence[uuid.UUID]) -> set[uuid.UUID]:
        if not ids:
            return set()
        async with self.db.read() as session:
            rows = await session.execute(
                sa.select(col(Product.id)).where(
                    col(Product.id).in_(ids), visible_products(principal)
                )
            )
            return set(rows.scalars())

    async def _discount_stale(
        self,
        principal: Principal,
        text: str,
        filters: list[str],
        facet_fields: list[str],
        distribution: dict[str, dict[str, int]],
        pending_ids: Iterable[str],
    ) -> None:
        """Remove from the counts the matches the database now hides but the index does not
        know about yet: products with outbox events after the indexer's cursor."""
        pending = sorted(pending_ids)
        for start in range(0, len(pending), 500):
            chunk = pending[start : start + 500]
            id_filter = "id IN [" + ", ".join(_quote(i) for i in chunk) + "]"
            matched = await self._search(
                {
                    "q": text,
                    "filter": [*filters, id_filter],
                    "limit": len(chunk),
                    "attributesToRetrieve": ["id"],
                }
            )
            ids = [uuid.UUID(h["id"]) for h in matched["hits"]]
            hidden = set(ids) - await self._visible_ids(principal, ids)
            if not hidden:
                continue
            hidden_filter = "id IN [" + ", ".join(_quote(str(i)) for i in hidden) + "]"
            stale = await self._search(
                {"q": text, "filter": [*filters, hidden_filter], "limit": 0, "facets": facet_fields}
            )
            for field, values in _counts(stale.get("facetDistribution", {})).items():
                for value, count in values.items():
                    distribution.setdefault(field, {})[value] = (
                        distribution.get(field, {}).get(value, 0) - count
                    )


def _facets(
    query: SearchQuery, distribution: dict[str, dict[str, int]], labels: dict[str, str]
) -> tuple[Facet, ...]:
    return tuple(
        Facet(
            name,
            tuple(
                FacetValue(value, count, labels.get(value))
                for value, count in _shown(distribution.get(FACETS[name], {}))
            ),
        )
        for name in query.facets
    )


def _shown(counts: dict[str, int]) -> list[tuple[str, int]]:
    """A facet's values as shown: those with matches, most first, then by value; at most
    `MAX_FACET_VALUES`."""
    values = [(value, count) for value, count in counts.items() if count > 0]
    values.sort(key=lambda v: (-v[1], v[0]))
    return values[:MAX_FACET_VALUES]


def _counts(raw: dict[str, dict[str, int]]) -> dict[str, dict[str, int]]:
    return {field: {str(k): int(v) for k, v in values.items()} for field, values in raw.items()}


def _highlights(hit: dict[str, Any]) -> tuple[str, ...]:
    formatted = hit.get("_formatted", {})
    found = [_formatted(formatted.get("name")), _formatted(formatted.get("summary"))]
    return tuple(h for h in found if h)


def _empty(query: SearchQuery) -> SearchResult:
    facets = tuple(Facet(name, ()) for name in query.facets)
    return SearchResult((), query.offset, False, 0, facets)
