"""What differs between SQLite (FTS5) and PostgreSQL (tsvector) in the `sql` search backend.

Both render the same query plan: every query word must match, each through one of its
alternatives (the word, its typo variants from the term vocabulary, a prefix for the last word).
"""

import itertools
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy import ColumnElement, FromClause, TextClause
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlmodel import col

from catalog.models import Product
from search.text import QueryWord


@dataclass(frozen=True)
class Matching:
    """The FROM clause joining the index to `product`, the match condition, a relevance score
    (higher is better), whether a row matches without typos (0) or needs them (1), and whether
    every query word matches in the name (0) or not (1)."""

    source: FromClause
    condition: ColumnElement[bool] | TextClause
    score: ColumnElement[float]
    typo_tier: ColumnElement[int]
    name_tier: ColumnElement[int]


def _fts5(words: Sequence[QueryWord], *, with_typos: bool, column: str | None = None) -> str:
    groups = []
    for w in words:
        alternatives = [f'"{w.word}"*' if w.prefix else f'"{w.word}"']
        if with_typos:
            alternatives += [f'"{t}"' for t in w.typos]
        groups.append("(" + " OR ".join(alternatives) + ")")
    expression = " AND ".join(groups)
    return f"{{{column}}} : ({expression})" if column else expression


def _tsquery(words: Sequence[QueryWord], *, with_typos: bool, weight: str = "") -> str:
    groups = []
    for w in words:
        alternatives = [f"'{w.word}':*{weight}" if w.prefix else f"'{w.word}'" + _w(weight)]
        if with_typos:
            alternatives += [f"'{t}'" + _w(weight) for t in w.typos]
        groups.append("(" + " | ".join(alternatives) + ")")
    return " & ".join(groups)


def _w(weight: str) -> str:
    return f":{weight}" if weight else ""


class InOrder(sa.Join):
    """An inner join whose left side SQLite must read first. Without table statistics (a
    database nobody ran ANALYZE on) its planner starts from the product table's status index
    or from the release pairs and runs the full-text match once per row: 2.6 s instead of
    8 ms for "kremin" at 100k products. CROSS JOIN is how SQLite is told the order
    (https://sqlite.org/optoverview.html#crossjoin); other databases get a plain JOIN."""

    inherit_cache = True


@compiles(InOrder, "sqlite")
def _cross_join(join: InOrder, compiler: SQLCompiler, **kw: Any) -> str:
    """SQLAlchemy's own rendering of a join (SQLCompiler.visit_join), with CROSS JOIN."""
    kw.pop("asfrom", None)
    linter = kw.pop("from_linter", None)
    onclause = join.onclause
    assert onclause is not None, "InOrder joins always name their condition"
    if linter:  # the joined tables are connected, not a cartesian product
        lefts = [f._de_clone() for f in join.left._from_objects]
        rights = [f._de_clone() for f in join.right._from_objects]
        linter.edges.update(itertools.product(lefts, rights))
    return (
        join.left._compiler_dispatch(compiler, asfrom=True, from_linter=linter, **kw)
        + " CROSS JOIN "
        + join.right._compiler_dispatch(compiler, asfrom=True, from_linter=linter, **kw)
        + " ON "
        + onclause._compiler_dispatch(compiler, from_linter=linter, **kw)
    )


def _fts5_rowids(expression: str, name: str) -> sa.Select[Any]:
    return (
        sa.select(sa.literal_column("rowid"))
        .select_from(sa.text("product_search_fts"))
        .where(sa.text(f"product_search_fts MATCH :{name}").bindparams(**{name: expression}))
    )


class SqliteIndex:
    fts = sa.table("product_search_fts", sa.column("rowid", sa.Integer))
    docs = sa.table("product_search", sa.column("doc_id", sa.Integer), sa.column("product_id"))
    released = sa.table(
        "product_search_release",
        sa.column("country", sa.String),
        sa.column("doc_id", sa.Integer),
        sa.column("product_id"),
    )

    def matching(self, words: Sequence[QueryWord], released_to: str | None = None) -> Matching:
        """`released_to`: only documents of products with a release to that country that is
        not revoked (migration 0014), probed by the match's rowids in order."""
        source: FromClause
        if released_to is None:
            source = InOrder(
                InOrder(self.fts, self.docs, self.docs.c.doc_id == self.fts.c.rowid),
                Product,
                col(Product.id) == self.docs.c.product_id,
            )
        else:
            pairs = self.released
            source = InOrder(
                InOrder(
                    self.fts,
                    pairs,
                    sa.and_(pairs.c.country == released_to, pairs.c.doc_id == self.fts.c.rowid),
                ),
                Product,
                col(Product.id) == pairs.c.product_id,
            )
        condition = sa.text("product_search_fts MATCH :match").bindparams(
            match=_fts5(words, with_typos=True)
        )
        # bm25 is lower for better matches; weights: name, summary, body, manufacturer, keywords
        score: ColumnElement[float]
        score = -sa.literal_column("bm25(product_search_fts, 10.0, 2.0, 1.0, 3.0, 3.0)")
        tier: ColumnElement[int] = sa.literal(0)
        if any(w.typos for w in words):
            exact = _fts5_rowids(_fts5(words, with_typos=False), "exact")
            tier = sa.case((self.fts.c.rowid.in_(exact), 0), else_=1)
        in_name = _fts5_rowids(_fts5(words, with_typos=True, column="name"), "in_name")
        name_tier = sa.case((self.fts.c.rowid.in_(in_name), 0), else_=1)
        return Matching(source, condition, score, tier, name_tier)

    def per_candidate(self, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        """SQLite checks a correlated EXISTS row by row already."""
        return condition

    def in_code_point_order(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """SQLite's default collation (BINARY) compares UTF-8 bytes: code point order."""
        return text

    async def refresh(self, session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
        keys = [i.hex for i in ids]  # SQLite stores UUIDs as 32 hex digits
        for start in range(0, len(keys), 500):
            chunk = keys[start : start + 500]
            params = {"ids": chunk}
            stmt_delete = sa.text("DELETE FROM product_search WHERE product_id IN :ids")
            stmt_insert = sa.text(
                "INSERT INTO product_search(product_id, name, summary, body, manufacturer,"
                " keywords) SELECT product_id, name, summary, body, manufacturer, keywords"
                " FROM product_search_source WHERE product_id IN :ids"
            )
            expanding: sa.BindParameter[Any] = sa.bindparam("ids", expanding=True)
            await session.execute(stmt_delete.bindparams(expanding), params)
            await session.execute(stmt_insert.bindparams(expanding), params)


class PostgresIndex:
    docs = sa.table(
        "product_search",
        sa.column("product_id"),
        sa.column("document"),
        sa.column("released_to", ARRAY(sa.Text)),
    )

    def matching(self, words: Sequence[QueryWord], released_to: str | None = None) -> Matching:
        """`released_to`: only products with a release to that country that is not revoked
        (migration 0014); one GIN index holds both, so the intersection is found inside it."""
        source = sa.join(
            self.docs,
            Product,
            col(Product.id) == self.docs.c.product_id,
        )
        query = sa.func.to_tsquery(
            sa.literal_column("'simple'::regconfig"),
            sa.bindparam("match", _tsquery(words, with_typos=True)),
        )
        condition: ColumnElement[bool] = self.docs.c.document.op("@@")(query)
        if released_to is not None:
            condition = sa.and_(condition, self.docs.c.released_to.contains([released_to]))
        score = sa.func.ts_rank(self.docs.c.document, query)
        tier: ColumnElement[int] = sa.literal(0)
        if any(w.typos for w in words):
            exact = sa.func.to_tsquery(
                sa.literal_column("'simple'::regconfig"),
                sa.bindparam("exact", _tsquery(words, with_typos=False)),
            )
            tier = sa.case((self.docs.c.document.op("@@")(exact), 0), else_=1)
        # The name is the document's weight-A part.
        in_name = sa.func.to_tsquery(
            sa.literal_column("'simple'::regconfig"),
            sa.bindparam("in_name", _tsquery(words, with_typos=True, weight="A")),
        )
        name_tier = sa.case((self.docs.c.document.op("@@")(in_name), 0), else_=1)
        return Matching(source, condition, score, tier, name_tier)

    def per_candidate(self, condition: ColumnElement[bool]) -> ColumnElement[bool]:
        """The visibility check for each candidate the index found. As a plain WHERE term the
        planner turns its EXISTS into a hash of every live release to the partner's country
        (26,000 at 100k products) built to test a few hundred candidates; inside IS TRUE it
        stays a subplan that probes the release index once per candidate."""
        return condition.is_(sa.true())

    def in_code_point_order(self, text: ColumnElement[Any]) -> ColumnElement[Any]:
        """The database's collation may follow a locale (punctuation ignored at first); the
        "C" collation compares bytes, so UTF-8 text sorts as Python sorts it."""
        return sa.collate(text, "C")

    async def refresh(self, session: AsyncSession, ids: Sequence[uuid.UUID]) -> None:
        for start in range(0, len(ids), 500):
            await session.execute(
                sa.text("SELECT product_search_refresh(CAST(:ids AS uuid[]))"),
                {"ids": [str(i) for i in ids[start : start + 500]]},
            )


Index = SqliteIndex | PostgresIndex
