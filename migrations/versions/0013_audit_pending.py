"""audit pending: a write's audit events and outbox rows wait here for the chain's appender

A write commits its audit events and outbox rows (`outbox` true) to `audit_pending` with its
business change; the appender (catalog/core/appender.py) links the audit events into
`audit_event`, moves the outbox rows into `outbox_event`, under the chain lock, and deletes
them. The columns have the types of the tables the rows move into.

Downgrading refuses while rows are pending: they are audit events nobody has linked yet, and
the previous revision has nowhere to keep them (`market worker` links them; then downgrade).

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-01 04:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _json() -> sa.types.TypeEngine[object]:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def upgrade() -> None:
    op.create_table(
        "audit_pending",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("outbox", sa.Boolean(), nullable=False),
        sa.Column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_org_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
        sa.Column("data", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_pending")),
    )


def downgrade() -> None:
    connection = op.get_bind()
    waiting = connection.execute(sa.text("SELECT count(*) FROM audit_pending")).scalar_one()
    if waiting:
        raise RuntimeError(
            f"{waiting} rows in audit_pending are not linked yet: run `market worker` until "
            "`market verify-audit` reports none pending, then downgrade"
        )
    op.drop_table("audit_pending")
