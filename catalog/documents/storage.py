"""Where document content lives. `DocumentStorage` is the interface; `DatabaseStorage`, the
default, keeps content in the `document_blob` table of the same database, addressed by SHA-256,
so the same bytes are stored once and commit (or roll back) with the document row that points
to them. An S3-compatible store would implement the same two methods, keyed by the digest."""

from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.models import DocumentBlob


class DocumentStorage(Protocol):
    async def put(self, session: AsyncSession, sha256: str, content: bytes) -> None:
        """Store `content` under its digest; storing the same digest again is a no-op."""
        ...

    async def get(self, session: AsyncSession, sha256: str) -> bytes | None: ...


class DatabaseStorage:
    """Content in the database (SQLite and PostgreSQL alike), deduplicated by digest."""

    async def put(self, session: AsyncSession, sha256: str, content: bytes) -> None:
        exists = await session.scalar(
            select(col(DocumentBlob.sha256)).where(col(DocumentBlob.sha256) == sha256)
        )
        if exists is None:
            session.add(DocumentBlob(sha256=sha256, size=len(content), content=content))

    async def get(self, session: AsyncSession, sha256: str) -> bytes | None:
        return await session.scalar(
            select(col(DocumentBlob.content)).where(col(DocumentBlob.sha256) == sha256)
        )


DEFAULT_STORAGE: DocumentStorage = DatabaseStorage()
