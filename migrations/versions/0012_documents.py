"""documents: datasheets, end-user certificates, licences and offers

`document` rows attach uploaded files to a product or a quote; `document_blob` holds their
content, addressed by SHA-256 (the default, database storage). Routing rules may require
document kinds (`routing_rule.requires_documents`, an empty list for existing rules).

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-30 02:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

KINDS = ["DATASHEET", "END_USER_CERTIFICATE", "LICENCE", "OFFER"]


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _fk(column: str, table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        [column], [f"{table}.id"], name=op.f(f"fk_document_{column}_{table}"), ondelete="RESTRICT"
    )


def upgrade() -> None:
    op.create_table(
        "document_blob",
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("content", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.PrimaryKeyConstraint("sha256", name=op.f("pk_document_blob")),
    )
    op.create_table(
        "document",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(*KINDS, name="document_kind", native_enum=False, create_constraint=True),
            nullable=False,
        ),
        sa.Column("filename", sa.String(length=255), nullable=False),
        sa.Column("content_type", sa.String(length=100), nullable=False),
        sa.Column("size", sa.Integer(), nullable=False),
        sa.Column("sha256", sa.String(length=64), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=True),
        sa.Column("quote_request_id", sa.Uuid(), nullable=True),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("uploaded_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint(
            "(product_id IS NULL) <> (quote_request_id IS NULL)",
            name=op.f("ck_document_one_entity"),
        ),
        sa.CheckConstraint("size > 0", name=op.f("ck_document_size_positive")),
        _fk("org_id", "organisation"),
        _fk("product_id", "product"),
        _fk("quote_request_id", "quote_request"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_document")),
    )
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_document_sha256"), ["sha256"], unique=False)
        batch_op.create_index(
            "ix_document_product_created", ["product_id", "created_at", "id"], unique=False
        )
        batch_op.create_index(
            "ix_document_quote_request_created",
            ["quote_request_id", "created_at", "id"],
            unique=False,
        )
    with op.batch_alter_table("routing_rule", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("requires_documents", _json(), nullable=False, server_default="[]")
        )


def downgrade() -> None:
    with op.batch_alter_table("routing_rule", schema=None) as batch_op:
        batch_op.drop_column("requires_documents")
    with op.batch_alter_table("document", schema=None) as batch_op:
        batch_op.drop_index("ix_document_quote_request_created")
        batch_op.drop_index("ix_document_product_created")
        batch_op.drop_index(batch_op.f("ix_document_sha256"))
    op.drop_table("document")
    op.drop_table("document_blob")
