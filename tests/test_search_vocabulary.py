"""SQLite's in-memory typo vocabulary (search/vocabulary.py): the first searches share one read
of it, and a failed first read is tried again by the next search."""

import asyncio

import pytest

from catalog.core.db import Database
from catalog.demo.seed import seed_demo
from search.vocabulary import SqliteVocabulary
from tests.sqlcount import count_statements

ONLY_SQLITE = pytest.mark.parametrize("backend", ["sqlite"])


@ONLY_SQLITE
async def test_concurrent_first_searches_share_one_read(db: Database) -> None:
    await seed_demo(db)
    vocabulary = SqliteVocabulary(db)
    with count_statements(db) as counted:
        found = await asyncio.gather(
            *(vocabulary.candidates(None, "kremin", 1) for _ in range(8))  # type: ignore[arg-type]
        )
    reads = [s for s in counted.statements if "product_search_vocab" in s]
    assert len(reads) == 1
    assert found[0] and all(f == found[0] for f in found)


@ONLY_SQLITE
async def test_a_failed_first_read_is_tried_again(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_demo(db)
    vocabulary = SqliteVocabulary(db)
    load = vocabulary._load
    attempts = 0

    async def failing_once() -> None:
        nonlocal attempts
        attempts += 1
        if attempts == 1:
            raise ConnectionError("the database went away")
        await load()

    monkeypatch.setattr(vocabulary, "_load", failing_once)
    with pytest.raises(ConnectionError):
        await vocabulary.candidates(None, "kremin", 1)  # type: ignore[arg-type]
    assert await vocabulary.candidates(None, "kremin", 1)  # type: ignore[arg-type]
    assert attempts == 2
