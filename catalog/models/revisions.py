"""Proposed changes to a reviewed (published or suspended) listing, waiting for a curator."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalog.core.enums import RevisionStatus
from catalog.models.base import JSONType, created_field, enum_type, fk, id_field, timestamp_field


class ProductRevision(SQLModel, table=True):
    """`changes` holds `{"field", "before", "after"}` entries (GraphQL field names, JSON
    values), normalised and validated when proposed, so approving only copies them."""

    __tablename__ = "product_revision"
    __table_args__ = (
        # One pending revision per listing: a new edit supersedes the previous one.
        sa.Index(
            "uq_product_revision_pending",
            "product_id",
            unique=True,
            sqlite_where=sa.text("status = 'PENDING'"),
            postgresql_where=sa.text("status = 'PENDING'"),
        ),
        sa.Index("ix_product_revision_product_created", "product_id", "created_at"),
        # The review queue: pending revisions, oldest first.
        sa.Index("ix_product_revision_status_created_id", "status", "created_at", "id"),
    )

    id: uuid.UUID = id_field()
    product_id: uuid.UUID = fk("product.id", index=False)
    status: RevisionStatus = Field(
        default=RevisionStatus.PENDING, sa_type=enum_type(RevisionStatus, "revision_status")
    )
    changes: list[dict[str, Any]] = Field(default_factory=list, sa_type=JSONType)
    # Control entry, category or technology transfer change how quotes are routed.
    requires_licensing_review: bool = Field(default=False)
    note: str | None = Field(default=None, sa_type=sa.Text)
    created_at: datetime = created_field()
    decided_at: datetime | None = timestamp_field()
    decided_by_org_id: uuid.UUID | None = fk("organisation.id", nullable=True, index=False)
