"""Typo candidates from the index's term vocabulary.

PostgreSQL keeps the vocabulary in a B-tree table (`product_search_term`), so a range query is
cheap and always current. SQLite's only vocabulary is the `fts5vocab` view, which counts every
term's documents as it goes (tens of milliseconds for a one-letter range at 100k products), so it
is read in full into memory and refreshed in the background when older than `ttl_seconds`. A
term added since the last refresh matches exactly at once and with typos after the refresh.
"""

import asyncio
import bisect
import logging
import time
from collections.abc import Sequence

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.core.db import Database
from search.text import first_letter_variants, prefix_range

REFRESH_SECONDS = 30.0
log = logging.getLogger(__name__)


def _within_lengths(terms: Sequence[str], word: str, budget: int) -> list[str]:
    return [t for t in terms if abs(len(t) - len(word)) <= budget]


class SqliteVocabulary:
    def __init__(self, db: Database, ttl_seconds: float = REFRESH_SECONDS) -> None:
        self.db = db
        self.ttl_seconds = ttl_seconds
        self._terms: list[str] | None = None
        self._known: frozenset[str] = frozenset()
        self._loaded_at = 0.0
        # The read in flight, if any: the first one (searches wait for it) or a refresh.
        self._reading: asyncio.Task[None] | None = None

    async def _load(self) -> None:
        async with self.db.read() as session:
            rows = await session.execute(sa.text("SELECT term FROM product_search_vocab"))
            terms = sorted(row[0] for row in rows)
        self._terms, self._known, self._loaded_at = terms, frozenset(terms), time.monotonic()

    async def _refresh(self) -> None:
        try:
            await self._load()
        except Exception as error:  # keep serving the previous vocabulary; retry next time
            log.warning("search vocabulary refresh failed: %s", error)

    async def _current(self) -> list[str]:
        idle = self._reading is None or self._reading.done()
        if self._terms is None:
            # The searches that arrive before the first read share it: each reading the whole
            # vocabulary (half a second of CPU at 100k products) would stall them all.
            if idle:
                self._reading = asyncio.create_task(self._load())
            assert self._reading is not None
            await asyncio.shield(self._reading)
        elif idle and time.monotonic() - self._loaded_at > self.ttl_seconds:
            self._reading = asyncio.create_task(self._refresh())
        assert self._terms is not None
        return self._terms

    async def candidates(self, session: AsyncSession, word: str, budget: int) -> list[str]:
        """From the vocabulary in memory; `session` is not used."""
        terms = await self._current()
        low, high = prefix_range(word[0])
        found = _within_lengths(
            terms[bisect.bisect_left(terms, low) : bisect.bisect_left(terms, high)], word, budget
        )
        if budget >= 2:
            found += [t for t in first_letter_variants(word) if t in self._known]
        return found


class PostgresVocabulary:
    def __init__(self, db: Database) -> None:
        self.db = db

    async def candidates(self, session: AsyncSession, word: str, budget: int) -> list[str]:
        """Read in the search's own session, in one round trip."""
        low, high = prefix_range(word[0])
        params: dict[str, object] = {
            "low": low,
            "high": high,
            "shortest": len(word) - budget,
            "longest": len(word) + budget,
        }
        stmt = _SAME_FIRST_LETTER
        if budget >= 2:
            stmt = _SAME_FIRST_LETTER_OR_VARIANTS
            params["terms"] = sorted(first_letter_variants(word))
        return [row[0] for row in await session.execute(stmt, params)]


_SAME_FIRST_LETTER_SQL = (
    "SELECT term FROM product_search_term"
    " WHERE term >= :low AND term < :high AND length(term) BETWEEN :shortest AND :longest"
)
_SAME_FIRST_LETTER = sa.text(_SAME_FIRST_LETTER_SQL)
# A first-letter typo (from 9 letters) may start with any letter: those are looked up by name.
_SAME_FIRST_LETTER_OR_VARIANTS = sa.text(_SAME_FIRST_LETTER_SQL + " OR term IN :terms").bindparams(
    sa.bindparam("terms", expanding=True)
)

Vocabulary = SqliteVocabulary | PostgresVocabulary
