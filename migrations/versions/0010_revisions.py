"""reviewed revisions of published listings

`product_revision` holds the changes a manufacturer proposes to a published or suspended
listing until a curator approves or rejects them; at most one per listing is pending.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-30 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PENDING = sa.text("status = 'PENDING'")


def upgrade() -> None:
    op.create_table(
        "product_revision",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column(
            "status",
            sa.Enum(
                "PENDING",
                "APPROVED",
                "REJECTED",
                "SUPERSEDED",
                name="revision_status",
                native_enum=False,
                create_constraint=True,
            ),
            nullable=False,
        ),
        sa.Column(
            "changes",
            sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql"),
            nullable=False,
        ),
        sa.Column("requires_licensing_review", sa.Boolean(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("decided_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("decided_by_org_id", sa.Uuid(), nullable=True),
        sa.ForeignKeyConstraint(
            ["product_id"],
            ["product.id"],
            name=op.f("fk_product_revision_product_id_product"),
            ondelete="RESTRICT",
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_org_id"],
            ["organisation.id"],
            name=op.f("fk_product_revision_decided_by_org_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_product_revision")),
    )
    op.create_index(
        "uq_product_revision_pending",
        "product_revision",
        ["product_id"],
        unique=True,
        sqlite_where=PENDING,
        postgresql_where=PENDING,
    )
    op.create_index(
        "ix_product_revision_product_created", "product_revision", ["product_id", "created_at"]
    )
    op.create_index(
        "ix_product_revision_status_created_id",
        "product_revision",
        ["status", "created_at", "id"],
    )


def downgrade() -> None:
    op.drop_index("ix_product_revision_status_created_id", table_name="product_revision")
    op.drop_index("ix_product_revision_product_created", table_name="product_revision")
    op.drop_index("uq_product_revision_pending", table_name="product_revision")
    op.drop_table("product_revision")
