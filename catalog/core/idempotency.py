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
        # A concurrent retry with the same key won the race: answer with its record.
        async with db.read() as session:
            found = await earlier(session)
        if found is None:
            # Another constraint, e.g. two first-ever quotes both making rule-set version 1.
            raise DomainError.one(
                "a conflicting change happened; try again", Codes.CONFLICT
            ) from error
        return same(found)
