"""Row counts of the tables a rejected request must not touch."""

from sqlalchemy import func, select

from catalog.core.db import Database
from catalog.models import AuditEvent, OutboxEvent, Product, Release


async def written_rows(db: Database) -> dict[str, int]:
    counts: dict[str, int] = {}
    async with db.read() as session:
        for model in (Product, Release, AuditEvent, OutboxEvent):
            counts[model.__name__] = int(
                await session.scalar(select(func.count()).select_from(model)) or 0
            )
    return counts
