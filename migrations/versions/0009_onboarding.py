"""organisations, named officers and API clients

Officers are the named people of LICENSING and CURATOR organisations; a client of such an
organisation acts for one of them, and a case decision records who decided. Clients of those
organisations made before this revision get an officer each, named after the client (with an
address under `.invalid`, which a curator can tell apart), so they keep deciding; their
earlier decisions keep the client id as the officer's name and count by it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-30 01:10:00.000000
"""

import uuid
from collections.abc import Sequence
from datetime import UTC, datetime

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def _create_officer_table() -> None:
    op.create_table(
        "officer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("org_id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=False),
        sa.Column("external_subject", sa.String(length=300), nullable=True),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.ForeignKeyConstraint(
            ["org_id"],
            ["organisation.id"],
            name=op.f("fk_officer_org_id_organisation"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_officer")),
        sa.UniqueConstraint("email", name=op.f("uq_officer_email")),
        sa.UniqueConstraint("external_subject", name=op.f("uq_officer_external_subject")),
    )
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_officer_org_id"), ["org_id"], unique=False)


def _backfill_officers() -> None:
    """One officer per existing client of a LICENSING or CURATOR organisation."""
    bind = op.get_bind()
    clients = bind.execute(
        sa.text(
            "SELECT c.client_id, c.name, c.org_id FROM oauth_client c "
            "JOIN organisation o ON o.id = c.org_id "
            "WHERE o.kind IN ('LICENSING', 'CURATOR')"
        )
    ).all()
    officer = sa.table(
        "officer",
        sa.column("id", sa.Uuid()),
        sa.column("org_id", sa.Uuid()),
        sa.column("name", sa.String()),
        sa.column("email", sa.String()),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    client = sa.table("oauth_client", sa.column("client_id"), sa.column("officer_id", sa.Uuid()))
    now = datetime.now(UTC)
    for client_id, name, org_id in clients:
        officer_id = uuid.uuid4()
        org = org_id if isinstance(org_id, uuid.UUID) else uuid.UUID(str(org_id))
        bind.execute(
            officer.insert().values(
                id=officer_id,
                org_id=org,
                name=name[:200],
                email=f"{client_id.lower()}@clients.invalid",
                created_at=now,
            )
        )
        bind.execute(
            client.update().where(client.c.client_id == client_id).values(officer_id=officer_id)
        )


def upgrade() -> None:
    _create_officer_table()
    with op.batch_alter_table("oauth_client", schema=None) as batch_op:
        batch_op.add_column(sa.Column("officer_id", sa.Uuid(), nullable=True))
        batch_op.add_column(
            sa.Column("last_used_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True)
        )
        batch_op.create_index(batch_op.f("ix_oauth_client_officer_id"), ["officer_id"])
        batch_op.create_foreign_key(
            batch_op.f("fk_oauth_client_officer_id_officer"),
            "officer",
            ["officer_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    with op.batch_alter_table("case_decision", schema=None) as batch_op:
        batch_op.add_column(sa.Column("officer_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_case_decision_officer_id_officer"),
            "officer",
            ["officer_id"],
            ["id"],
            ondelete="RESTRICT",
        )
    _backfill_officers()


def downgrade() -> None:
    with op.batch_alter_table("case_decision", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_case_decision_officer_id_officer"), type_="foreignkey"
        )
        batch_op.drop_column("officer_id")
    with op.batch_alter_table("oauth_client", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_oauth_client_officer_id_officer"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_oauth_client_officer_id"))
        batch_op.drop_column("last_used_at")
        batch_op.drop_column("officer_id")
    with op.batch_alter_table("officer", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_officer_org_id"))
    op.drop_table("officer")
