"""audit pending: a write's audit events and outbox rows wait here for the chain's appender

A write commits its audit events to `audit_pending` and its outbox rows to `outbox_pending`
with its business change; the appender (catalog/core/appender.py) links them into
`audit_event` and `outbox_event` under the chain lock and deletes them. The columns are those
of the tables they move into, without the chain's links.

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


def _id() -> sa.Column[int]:
    return sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False)


def _entity() -> list[sa.Column[str]]:
    return [
        sa.Column("entity_type", sa.String(length=32), nullable=False),
        sa.Column("entity_id", sa.String(length=64), nullable=False),
    ]


def upgrade() -> None:
    op.create_table(
        "audit_pending",
        _id(),
        sa.Column("occurred_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("actor", sa.String(length=200), nullable=False),
        sa.Column("actor_org_id", sa.Uuid(), nullable=True),
        sa.Column("action", sa.String(length=64), nullable=False),
        *_entity(),
        sa.Column("data", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_pending")),
    )
    op.create_table(
        "outbox_pending",
        _id(),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.Column("topic", sa.String(length=64), nullable=False),
        *_entity(),
        sa.Column("payload", _json(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_pending")),
    )


def downgrade() -> None:
    connection = op.get_bind()
    for table in ("audit_pending", "outbox_pending"):
        waiting = connection.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one()
        if waiting:
            raise RuntimeError(
                f"{waiting} rows in {table} are not linked yet: run `market worker` until "
                "`market verify-audit` reports none pending, then downgrade"
            )
    op.drop_table("outbox_pending")
    op.drop_table("audit_pending")
