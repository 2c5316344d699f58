"""The embedded search backend: the database's own full text, joined with the visibility
predicate in the same statement, so hidden products never reach hits or facet counts.

The index (`product_search`) is maintained by triggers in the writing transaction (migration
0004), so a product change, a release or a revocation is searchable as soon as it commits.
"""

import uuid
from collections import OrderedDict
from collections.abc import AsyncIterator, Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql import visitors
from sqlmodel import col

from catalog.core.db import Database
from catalog.core.direct_reads import DirectRead, direct_if_final
from catalog.core.principal import Principal
from catalog.models import Organisation, Product
from catalog.products.filters import filter_clauses
from catalog.products.listing import MAKER, MAKER_OF_PRODUCT, row_columns, row_nulls
from catalog.visibility import release_country, visible_products
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
from search.sql_dialects import (
    Index,
    Matching,
    PostgresIndex,
    SqliteIndex,
)
from search.text import (
    MAX_EXPANSIONS_PER_WORD,
    QueryWord,
    fold,
    highlight,
    is_typo_of,
    tokens,
    typo_budget,
    within,
)
from search.vocabulary import PostgresVocabulary, SqliteVocabulary, Vocabulary

SNIPPET_WORDS = 12
# Ranking statements kept per shape (see `_Statements`).
STATEMENT_SHAPES = 128
# The display columns of a page's hits, for highlights.
_shown: tuple[sa.Label[Any], ...] = (
    col(Product.name).label("name"),
    col(Product.summary).label("summary"),
    col(Product.description).label("description"),
)
# A hit's row holds the rest of its product's row too (`row_columns`): read with the search's
# visibility check, it serves as the product, so its node needs no statement of its own.
_SELECTED = frozenset({"id", *(c.name for c in _shown)})


class SqlSearch:
    name = "sql"

    def __init__(self, db: Database) -> None:
        self.db = db
        self.index: Index = SqliteIndex() if db.is_sqlite else PostgresIndex()
        self.vocabulary: Vocabulary = (
            SqliteVocabulary(db) if db.is_sqlite else PostgresVocabulary(db)
        )
        self.statements = _Statements()

    async def close(self) -> None:
        """Nothing of its own: it reads through the application's database."""

    async def health(self) -> Health:
        try:
            async with self.db.read() as session:
                await session.execute(sa.text("SELECT count(*) FROM product_search WHERE 1 = 0"))
        except Exception as error:  # any failure means unavailable; the reason is for operators
            return Health(False, self.name, type(error).__name__)
        return Health(True, self.name)

    async def apply(self, product_ids: Sequence[uuid.UUID]) -> None:
        """Triggers keep the index current; this re-derives entries (repair, reindex)."""
        async with self.db.write_session() as session, session.begin():
            await self.index.refresh(session, list(product_ids))

    async def reindex(self, batch_size: int = 500) -> AsyncIterator[int]:
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

    async def query_words(self, session: AsyncSession, text: str) -> list[QueryWord]:
        words = tokens(text)
        prefix_last = bool(words) and not text[-1:].isspace()
        planned = []
        for position, word in enumerate(words):
            budget = typo_budget(word)
            typos: list[str] = []
            if budget:
                candidates = await self.vocabulary.candidates(session, word, budget)
                # Closest first when there are more variants than a query may expand to.
                typos = sorted(
                    {t for t in candidates if is_typo_of(word, t)},
                    key=lambda t: (not within(word, t, 1), t),
                )
            planned.append(
                QueryWord(
                    word,
                    tuple(typos[:MAX_EXPANSIONS_PER_WORD]),
                    prefix=prefix_last and position == len(words) - 1,
                )
            )
        return planned

    async def search(self, principal: Principal, query: SearchQuery) -> SearchResult:
        query = validate_query(query)
        async with self.db.read() as session:
            words = await self.query_words(session, query.text)
            country = release_country(principal)
            matching = self.index.matching(words, country) if words else None
            visible = visible_products(principal)
            if matching is not None and country is not None:
                # The index narrowed the matches to the country's releases: few candidates.
                visible = self.index.per_candidate(visible)
            conditions: list[sa.ColumnElement[bool] | sa.TextClause] = [
                visible,
                *filter_clauses(query.filter),
            ]
            if matching is not None:
                conditions.insert(0, matching.condition)
            stmt, direct, params = self.statements.get(self, query, matching, conditions)
            params.update(limit=query.first + 1, offset=query.offset)
            params.update(facet_values=MAX_FACET_VALUES)
            params.update(name_exact=fold(query.text.strip()))
            if direct is None:  # an IN list in a filter: SQLAlchemy renders it per call
                rows = list((await session.execute(stmt, params)).all())
        if direct is not None:
            rows = await self.db.fetch(direct, params)
        # Rows by position: a few hundred of them, and a Row's attributes cost a lookup each.
        ranked = sorted((r for r in rows if r[0] == "hit"), key=lambda r: r[5])
        counts = [r for r in rows if r[0] == "count"]
        marked = words if query.with_highlights else []
        hits = tuple(
            SearchHit(row.id, float(row.score or 0.0), _highlights(row, marked), row)
            for row in ranked[: query.first]
        )
        wants_counts = query.with_total or bool(query.facets)
        total, facets = _facets(query, counts) if wants_counts else (None, ())
        return SearchResult(
            hits=hits,
            offset=query.offset,
            has_next_page=len(ranked) > query.first,
            total=total,
            facets=facets,
        )

    def _ranked(
        self, query: SearchQuery, matching: Matching | None, conditions: list[Any]
    ) -> sa.CompoundSelect[Any]:
        """One statement: the visible matches are found once (a materialised CTE), then
        ranked for the page and counted for the total and facets. Matching and checking
        visibility is what costs; doing it twice (hits, then counts) doubled the time.

        Rows are (kind, id, score, facet, value, n, name, summary, description, <the rest of
        a product row>): a "hit" has its rank in n and its product's row (read for the page
        only: it serves as the node); a "count" has a facet (`""` for the total), a value and
        its count in n, for a manufacturer the organisation's name in `name`, and NULLs for
        the row."""
        name_exact = sa.case(
            (sa.func.lower(Product.name) == sa.bindparam("name_exact", type_=sa.String), 0),
            else_=1,
        )
        facet_columns = [getattr(Product, FACETS[name]).label(name) for name in query.facets]
        if matching is None:
            keys: list[Any] = [sa.literal(0.0).label("score")]
            order_names = ["name", "id"]
        else:
            keys = [
                matching.score.label("score"),
                name_exact.label("name_exact"),
                matching.typo_tier.label("typo_tier"),
                matching.name_tier.label("name_tier"),
            ]
            order_names = ["name_exact", "typo_tier", "name_tier", "score", "name", "id"]
        found = sa.select(col(Product.id), col(Product.name), *keys, *facet_columns)
        if matching is not None:
            found = found.select_from(matching.source)
        hits = found.where(*conditions).cte("hits").prefix_with("MATERIALIZED")
        order = [hits.c[n].desc() if n == "score" else hits.c[n] for n in order_names]
        top = (
            sa.select(hits.c.id, hits.c.score, *[hits.c[n] for n in order_names if n != "score"])
            .order_by(*order)
            .limit(sa.bindparam("limit", type_=sa.Integer))
            .offset(sa.bindparam("offset", type_=sa.Integer))
            .subquery("top")
        )
        top_order = [top.c[n].desc() if n == "score" else top.c[n] for n in order_names]
        parts: list[sa.Select[Any]] = [
            sa.select(
                sa.literal("hit").label("kind"),
                top.c.id.label("id"),
                top.c.score.label("score"),
                sa.cast(sa.null(), sa.String).label("facet"),
                sa.cast(sa.null(), sa.String).label("value"),
                sa.func.row_number().over(order_by=top_order).label("n"),
                *_shown,
                *row_columns(_SELECTED),
            ).select_from(
                top.join(Product, col(Product.id) == top.c.id).join(MAKER, MAKER_OF_PRODUCT)
            )
        ]
        if query.with_total or query.facets:
            parts.append(_count(hits, sa.literal(""), sa.cast(sa.null(), sa.String)))
        for name in query.facets:
            parts.append(self._facet_count(hits, name))
        return sa.union_all(*parts)

    def _facet_count(self, hits: Any, name: str) -> sa.Select[Any]:
        """A facet's values as shown (`_facets`): most matches first, then by value, at most
        `MAX_FACET_VALUES` of them; a query's manufacturers alone can number hundreds, each
        a row to read. The order is the one `_facets` sorts by: the text's code points
        (a manufacturer's id orders the same with or without its dashes)."""
        column = hits.c[name]
        value = sa.cast(column, sa.String)
        # Manufacturer values carry the organisation's name as their label.
        labelled = name == "manufacturer"
        counted = (
            _count(hits, sa.literal(name), value, column, labelled=labelled)
            .where(column.is_not(None))  # `_facets` shows no NULL value: none takes a place
            .order_by(sa.func.count().desc(), self.index.in_code_point_order(value))
            .limit(sa.bindparam("facet_values", type_=sa.Integer))
            .subquery()
        )
        return sa.select(*counted.c)


class _Statements:
    """The ranking statement per shape, built once. Building it (a few dozen SQLAlchemy
    constructs) and deriving its cache key cost about as much CPU as SQLite's whole ranking
    at 100k products. A shape is everything but the values: the query's facets and whether
    it counts, and the structure of the match, visibility and filter conditions (SQLAlchemy's
    own cache key of them). Their values are taken from the conditions built for this
    search, so the visibility predicate is still `visible_products` as called for the caller;
    in the kept statement those values are named parameters, in the cache key's order."""

    def __init__(self) -> None:
        self._kept: OrderedDict[Any, tuple[sa.CompoundSelect[Any], DirectRead | None]]
        self._kept = OrderedDict()

    def get(
        self,
        owner: "SqlSearch",
        query: SearchQuery,
        matching: Matching | None,
        conditions: list[Any],
    ) -> tuple[sa.CompoundSelect[Any], DirectRead | None, dict[str, Any]]:
        """The kept statement for this search's shape, run directly when its text is final
        (catalog/core/direct_reads.py), and this search's values for it."""
        probe = sa.select(sa.literal(1)).where(*conditions)
        if matching is not None:
            probe = probe.add_columns(
                matching.score, matching.typo_tier, matching.name_tier
            ).select_from(matching.source)
        key = probe._generate_cache_key()
        assert key is not None, "every search condition is cacheable"
        values = {f"c{i}": p.effective_value for i, p in enumerate(key.bindparams)}
        shape = (key.key, query.facets, query.with_total)
        kept = self._kept.get(shape)
        if kept is None:
            names = {id(p): f"c{i}" for i, p in enumerate(key.bindparams)}

            def named(element: Any, **_: Any) -> Any:
                name = names.get(id(element))
                if name is None:
                    return None
                return sa.bindparam(
                    name, type_=element.type, expanding=element.expanding, unique=False
                )

            conditions = [visitors.replacement_traverse(c, {}, named) for c in conditions]
            if matching is not None:
                matching = _replaced(matching, named)
            stmt = owner._ranked(query, matching, conditions)
            kept = self._kept[shape] = (stmt, direct_if_final(stmt, owner.db.engine.dialect))
            if len(self._kept) > STATEMENT_SHAPES:
                self._kept.popitem(last=False)
        else:
            self._kept.move_to_end(shape)
        return kept[0], kept[1], values


def _replaced(matching: Matching, named: Any) -> Matching:
    def swap(element: Any) -> Any:
        return visitors.replacement_traverse(element, {}, named)

    return Matching(
        swap(matching.source),
        swap(matching.condition),
        swap(matching.score),
        swap(matching.typo_tier),
        swap(matching.name_tier),
    )


_NULL_TEXT = sa.cast(sa.null(), sa.String)


def _count(
    hits: Any, facet: Any, value: Any, *group: Any, labelled: bool = False
) -> sa.Select[*tuple[Any, ...]]:
    label: Any = _NULL_TEXT
    source = hits
    if labelled:
        label = sa.func.max(Organisation.name)
        source = hits.outerjoin(Organisation, col(Organisation.id) == group[0])
    columns = (
        sa.literal("count"),
        sa.cast(sa.null(), sa.inspect(Product).c.id.type),
        sa.cast(sa.null(), sa.Float),
        facet,
        value,
        sa.func.count(),
        label,
        _NULL_TEXT,
        _NULL_TEXT,
        *row_nulls(_SELECTED),
    )
    # Named by position: the union takes its names from the hits, and a facet's part is read
    # through a subquery, where columns need names of their own.
    named = (c.label(f"c{i}") for i, c in enumerate(columns))
    return sa.select(*named).select_from(source).group_by(*group)


def _facet_value(facet: str, value: str) -> str:
    """Manufacturer ids in their canonical text (SQLite stores 32 hex digits)."""
    if facet != "manufacturer" or len(value) == 36:
        return value
    return str(uuid.UUID(value))


def _highlights(row: Any, words: list[QueryWord]) -> tuple[str, ...]:
    if not words:
        return ()
    found = [
        highlight(row.name, words),
        highlight(row.summary or "", words, crop=SNIPPET_WORDS),
    ]
    if not any(found):
        found.append(highlight(row.description or "", words, crop=SNIPPET_WORDS))
    return tuple(h for h in found if h)


def _facets(query: SearchQuery, counts: Sequence[Any]) -> tuple[int, tuple[Facet, ...]]:
    total = 0
    values: dict[str, list[FacetValue]] = {name: [] for name in query.facets}
    for _kind, _id, _score, facet, value, n, label, *_ in counts:
        if facet == "":
            total = int(n)
        elif value is not None:
            values[facet].append(FacetValue(_facet_value(facet, value), int(n), label))
    facets = []
    for name in query.facets:
        values[name].sort(key=lambda v: (-v.count, v.value))
        facets.append(Facet(name, tuple(values[name][:MAX_FACET_VALUES])))
    return total, tuple(facets)
