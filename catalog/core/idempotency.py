"""Create-once requests: a retry with the same idempotency key answers with what the first
request made, also when the retries run at the same moment.

The caller names how to find an earlier record for the key, how to answer with it (which
refuses a key reused for a different body), what is wrong with the input, and how to create.
A unique index on (organisation, key) settles a race: the loser's insert fails, and it
answers with the winner's record.
"""

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.core.db import Database
from catalog.core.errors import Codes, DomainError, Problem

Made = TypeVar("Made")


async def create_once(
    db: Database,
    *,
    earlier: Callable[[AsyncSession], Awaitable[Made | None]],
    same: Callable[[Made], Made],
    problems: Callable[[], list[Problem]],
    create: Callable[[], Awaitable[Made]],
) -> Made:
    async with db.read() as session:
        found = await earlier(session)
    if found is not None:
        return same(found)
    wrong = problems()
    if wrong:
        raise DomainError(wrong)
    try:
        return await create()
    except IntegrityError as error:
        return await _race_lost(db, earlier, same, error)


class FoundEarlier(Exception):
    """Raised by a `create` that found, in its own transaction, the record an earlier request
    with the key made; `key` names it for `load`. Nothing is written."""

    def __init__(self, key: object) -> None:
        super().__init__(key)
        self.key = key


async def create_or_find(
    db: Database,
    *,
    earlier: Callable[[AsyncSession], Awaitable[Made | None]],
    load: Callable[[AsyncSession, object], Awaitable[Made]],
    same: Callable[[Made], Made],
    problems: Callable[[], list[Problem]],
    create: Callable[[], Awaitable[Made]],
) -> Made:
    """`create_once` for a `create` that looks for the earlier record itself, in the first
    statement of its transaction (one statement and one connection fewer than a look-up
    before it), and raises `FoundEarlier` when it is there. The answers are the same: an
    earlier record first, then the input's problems (checked here, before any transaction,
    with a look-up of their own so that a retry is still answered with its record), then
    what `create` makes; a race on the unique index is settled as `create_once` settles it."""
    wrong = problems()
    if wrong:
        async with db.read() as session:
            found = await earlier(session)
        if found is not None:
            return same(found)
        raise DomainError(wrong)
    try:
        return await create()
    except FoundEarlier as signal:
        async with db.read() as session:
            return same(await load(session, signal.key))
    except IntegrityError as error:
        return await _race_lost(db, earlier, same, error)


async def _race_lost(
    db: Database,
    earlier: Callable[[AsyncSession], Awaitable[Made | None]],
    same: Callable[[Made], Made],
    error: IntegrityError,
) -> Made:
    """A concurrent retry with the same key won the race: answer with its record."""
    async with db.read() as session:
        found = await earlier(session)
    if found is None:
        # Another constraint, e.g. two first-ever quotes both making rule-set version 1.
        raise DomainError.one("a conflicting change happened; try again", Codes.CONFLICT) from error
    return same(found)
