"""quote workflow: information requests and answers, officers' internal notes

Revision ID: 0003
Revises: 0001
Create Date: 2026-11-23 12:40:00
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("quote_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("info_request", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("info_response", sa.Text(), nullable=True))
        batch_op.create_index("ix_quote_request_created", ["created_at", "id"], unique=False)
    with op.batch_alter_table("case_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("internal_note", sa.Text(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("case_decision", schema=None) as batch_op:
        batch_op.drop_column("internal_note")
    with op.batch_alter_table("quote_request", schema=None) as batch_op:
        batch_op.drop_index("ix_quote_request_created")
        batch_op.drop_column("info_response")
        batch_op.drop_column("info_request")
