"""Documents attached to products and quotes, and the stored content they point to."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalog.core.enums import DocumentKind
from catalog.models.base import created_field, enum_type, fk, id_field


class Document(SQLModel, table=True):
    """One attachment: what it is, on which product or quote, and the digest of its content.
    Two uploads of the same bytes are two documents sharing one stored blob."""

    __tablename__ = "document"
    __table_args__ = (
        sa.CheckConstraint("(product_id IS NULL) <> (quote_request_id IS NULL)", name="one_entity"),
        sa.CheckConstraint("size > 0", name="size_positive"),
        sa.Index("ix_document_product_created", "product_id", "created_at", "id"),
        sa.Index("ix_document_quote_request_created", "quote_request_id", "created_at", "id"),
    )

    id: uuid.UUID = id_field()
    kind: DocumentKind = Field(sa_type=enum_type(DocumentKind, "document_kind"))
    filename: str = Field(sa_type=sa.String(255))
    content_type: str = Field(sa_type=sa.String(100))
    size: int
    sha256: str = Field(sa_type=sa.String(64), index=True)
    product_id: uuid.UUID | None = fk("product.id", nullable=True, index=False)
    quote_request_id: uuid.UUID | None = fk("quote_request.id", nullable=True, index=False)
    org_id: uuid.UUID = fk("organisation.id", index=False)
    uploaded_by: str = Field(sa_type=sa.String(200))
    created_at: datetime = created_field()


class DocumentBlob(SQLModel, table=True):
    """Content stored in the database, addressed by its SHA-256 (the default storage)."""

    __tablename__ = "document_blob"

    sha256: str = Field(sa_type=sa.String(64), primary_key=True)
    size: int
    content: bytes = Field(sa_type=sa.LargeBinary)
    created_at: datetime = created_field()
