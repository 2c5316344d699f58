"""export centres, co-production, domestic reserve and export freezes

- `product.domestic_reserve` (units kept for Ukraine's forces, never exportable),
  `product.sensitive` and `product.sensitive_parts` (never licensed for production abroad);
- `export_centre` and `product_export_centre`; `quote_request.export_centre_id`;
- `export_freeze` (the domestic priority on a category or a control-entry prefix);
- `co_production_request` (its own routed case) and `production_line`.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-30 01:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PRODUCT_COLUMNS = (
    ("domestic_reserve", "INTEGER NOT NULL DEFAULT 0", "domestic_reserve >= 0"),
    ("sensitive", "BOOLEAN NOT NULL DEFAULT 0", None),
    ("sensitive_parts", "JSON NOT NULL DEFAULT '[]'", None),
)


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _time() -> sa.types.TypeEngine:
    return sqlmodel.sql.sqltypes.UTCDateTime()


def _status(name: str, values: list[str]) -> sa.Enum:
    return sa.Enum(*values, name=name, native_enum=False, create_constraint=True,
                   length=max(len(v) for v in values))


def _product_columns() -> None:
    # On SQLite the product table must not be rebuilt (batch mode): its search triggers and
    # the view over it (migration 0004) would be lost. SQLite adds a column with its CHECK.
    if op.get_bind().dialect.name == "sqlite":
        for name, ddl, check in PRODUCT_COLUMNS:
            constraint = ""
            if check:
                constraint = f" CONSTRAINT ck_product_{name}_non_negative CHECK ({check})"
            op.execute(f"ALTER TABLE product ADD COLUMN {name} {ddl}{constraint}")
        return
    op.add_column("product", sa.Column("domestic_reserve", sa.Integer(), nullable=False,
                                       server_default="0"))
    op.create_check_constraint(
        op.f("ck_product_domestic_reserve_non_negative"), "product", "domestic_reserve >= 0"
    )
    op.add_column("product", sa.Column("sensitive", sa.Boolean(), nullable=False,
                                       server_default=sa.false()))
    op.add_column("product", sa.Column("sensitive_parts", _json(), nullable=False,
                                       server_default=sa.text("'[]'::jsonb")))


def upgrade() -> None:
    _product_columns()
    op.create_table(
        "export_centre",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("city", sa.String(length=120), nullable=False),
        sa.Column("status", _status("centre_status", ["PLANNED", "OPEN", "CLOSED"]),
                  nullable=False),
        sa.Column("categories", _json(), nullable=False),
        sa.Column("services", _json(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("updated_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(["country"], ["country.code"],
                                name=op.f("fk_export_centre_country_country"), ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_centre")),
    )
    op.create_table(
        "product_export_centre",
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("centre_id", sa.Uuid(), nullable=False),
        sa.Column("created_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(["centre_id"], ["export_centre.id"],
                                name=op.f("fk_product_export_centre_centre_id_export_centre"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"],
                                name=op.f("fk_product_export_centre_product_id_product"),
                                ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("product_id", "centre_id", name=op.f("pk_product_export_centre")),
    )
    op.create_index("ix_product_export_centre_centre", "product_export_centre",
                    ["centre_id", "product_id"])
    op.create_table(
        "export_freeze",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("scope", _status("freeze_scope", ["CATEGORY", "CONTROL_ENTRY_PREFIX"]),
                  nullable=False),
        sa.Column("value", sa.String(length=32), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("declared_by", sa.String(length=200), nullable=False),
        sa.Column("declared_at", _time(), nullable=False),
        sa.Column("lifted_by", sa.String(length=200), nullable=True),
        sa.Column("lifted_at", _time(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_export_freeze")),
    )
    op.create_index("ix_export_freeze_lifted", "export_freeze", ["lifted_at"])
    _co_production_tables()
    with op.batch_alter_table("quote_request", schema=None) as batch_op:
        batch_op.add_column(sa.Column("export_centre_id", sa.Uuid(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_quote_request_export_centre_id_export_centre"),
            "export_centre", ["export_centre_id"], ["id"], ondelete="RESTRICT",
        )


def _co_production_tables() -> None:
    statuses = ["TECH_TRANSFER_REVIEW", "LICENSED", "REFUSED"]
    op.create_table(
        "co_production_request",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("partner_org_id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("production_country", sa.String(length=2), nullable=False),
        sa.Column("local_partner_name", sa.String(length=300), nullable=False),
        sa.Column("planned_units_per_year", sa.Integer(), nullable=False),
        sa.Column("technology_scope", _json(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=128), nullable=False),
        sa.Column("status", _status("co_production_status", statuses), nullable=False),
        sa.Column("queue", sa.String(length=64), nullable=False),
        sa.Column("flags", _json(), nullable=False),
        sa.Column("sla_due_on", sa.Date(), nullable=True),
        sa.Column("approvals_required", sa.Integer(), nullable=False),
        sa.Column("approvals", _json(), nullable=False),
        sa.Column("rule_set_version", sa.Integer(), nullable=False),
        sa.Column("routing", _json(), nullable=False),
        sa.Column("refusal_reason", sa.Text(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.Column("decided_at", _time(), nullable=True),
        sa.CheckConstraint("planned_units_per_year > 0",
                           name=op.f("ck_co_production_request_planned_units_positive")),
        sa.ForeignKeyConstraint(["partner_org_id"], ["organisation.id"],
                                name=op.f("fk_co_production_request_partner_org_id_organisation"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"],
                                name=op.f("fk_co_production_request_product_id_product"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["production_country"], ["country.code"],
                                name=op.f("fk_co_production_request_production_country_country"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["rule_set_version"], ["rule_set_version.version"],
            name=op.f("fk_co_production_request_rule_set_version_rule_set_version"),
            ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_co_production_request")),
        sa.UniqueConstraint("partner_org_id", "idempotency_key",
                            name=op.f("uq_co_production_request_partner_org_id_idempotency_key")),
    )
    op.create_index("ix_co_production_request_created", "co_production_request",
                    ["created_at", "id"])
    op.create_index(op.f("ix_co_production_request_product_id"), "co_production_request",
                    ["product_id"])
    op.create_table(
        "production_line",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("product_id", sa.Uuid(), nullable=False),
        sa.Column("country", sa.String(length=2), nullable=False),
        sa.Column("local_partner_name", sa.String(length=300), nullable=False),
        sa.Column("since", sa.Date(), nullable=False),
        sa.Column("request_id", sa.Uuid(), nullable=True),
        sa.Column("created_at", _time(), nullable=False),
        sa.ForeignKeyConstraint(["country"], ["country.code"],
                                name=op.f("fk_production_line_country_country"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(["product_id"], ["product.id"],
                                name=op.f("fk_production_line_product_id_product"),
                                ondelete="RESTRICT"),
        sa.ForeignKeyConstraint(
            ["request_id"], ["co_production_request.id"],
            name=op.f("fk_production_line_request_id_co_production_request"),
            ondelete="RESTRICT"),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_production_line")),
    )
    op.create_index(op.f("ix_production_line_product_id"), "production_line", ["product_id"])


def downgrade() -> None:
    with op.batch_alter_table("quote_request", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_quote_request_export_centre_id_export_centre"), type_="foreignkey"
        )
        batch_op.drop_column("export_centre_id")
    op.drop_table("production_line")
    op.drop_table("co_production_request")
    op.drop_table("export_freeze")
    op.drop_table("product_export_centre")
    op.drop_table("export_centre")
    if op.get_bind().dialect.name == "sqlite":
        for name, _, _ in reversed(PRODUCT_COLUMNS):
            op.execute(f"ALTER TABLE product DROP COLUMN {name}")
        return
    op.drop_constraint(op.f("ck_product_domestic_reserve_non_negative"), "product", type_="check")
    for name, _, _ in reversed(PRODUCT_COLUMNS):
        op.drop_column("product", name)
