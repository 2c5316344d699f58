"""export-control integrity across the life of a quote

Partner countries as data (`country.partner`), the surplus ledger (`product.units_reserved`),
the licensed value and offer revisions of a quote (`quote_offer`), holds and re-routing of
licensing cases, and the queue precedence of a rule set.

Data:
- `country.partner` starts as the EU and NATO members that are not embargoed (the rows of
  ``countries_0007.json``) plus the country of every existing partner organisation, so no
  deployed partner loses access;
- existing quotes get the product's current price as their routing snapshot (the price at
  request time was not recorded) and that value as their licensed value; an existing offer
  becomes revision 1;
- units of accepted quotes move from `units_available` to `units_reserved` (accepting did not
  reduce the surplus before this revision).

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-29 23:30:00.000000
"""

import json
import uuid
from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa
import sqlmodel
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

COUNTRIES_FILE = Path(__file__).resolve().parent.parent / "data" / "countries_0007.json"

QUOTE_STATUSES = [
    "LICENSING_REVIEW",
    "INFO_REQUESTED",
    "LICENSED",
    "REFUSED",
    "OFFERED",
    "ACCEPTED",
    "DECLINED",
    "WITHDRAWN",
]
CASE_STATUSES = ["OPEN", "INFO_REQUESTED", "APPROVED", "REFUSED", "CLOSED"]


def _json() -> sa.types.TypeEngine:
    return sa.JSON().with_variant(postgresql.JSONB(astext_type=sa.Text()), "postgresql")


def _swap_check(batch_op: object, name: str, values: list[str]) -> None:
    """The CHECK constraint of a status column, with another list of allowed values."""
    allowed = ", ".join(f"'{value}'" for value in values)
    batch_op.drop_constraint(op.f(name), type_="check")  # type: ignore[attr-defined]
    batch_op.create_check_constraint(op.f(name), f"status IN ({allowed})")  # type: ignore[attr-defined]


def _add_units_reserved() -> None:
    # On SQLite the product table must not be rebuilt (batch mode): its search triggers and
    # the view over it (migration 0004) would be lost. SQLite adds a column with its CHECK.
    check = "CONSTRAINT ck_product_units_reserved_non_negative CHECK (units_reserved >= 0)"
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"ALTER TABLE product ADD COLUMN units_reserved INTEGER NOT NULL DEFAULT 0 {check}"
        )
        return
    op.add_column(
        "product", sa.Column("units_reserved", sa.Integer(), nullable=False, server_default="0")
    )
    op.create_check_constraint(
        op.f("ck_product_units_reserved_non_negative"), "product", "units_reserved >= 0"
    )


def _partner_countries() -> None:
    codes = [row["code"] for row in json.loads(COUNTRIES_FILE.read_text(encoding="utf-8"))
             if row["partner"]]
    country = sa.table("country", sa.column("code", sa.String), sa.column("partner", sa.Boolean))
    op.execute(country.update().where(country.c.code.in_(codes)).values(partner=True))
    op.execute(
        sa.text(
            "UPDATE country SET partner = :yes WHERE embargoed = :no AND code IN "
            "(SELECT country FROM organisation WHERE kind = 'PARTNER')"
        ).bindparams(yes=True, no=False)
    )


def _snapshot_quotes() -> None:
    bind = op.get_bind()
    bind.execute(
        sa.text(
            "UPDATE quote_request SET routed_unit_price_eur = (SELECT unit_price_eur FROM "
            "product WHERE product.id = quote_request.product_id)"
        )
    )
    bind.execute(
        sa.text(
            "UPDATE quote_request SET licensed_value = routed_unit_price_eur * quantity, "
            "licensed_currency = 'EUR' WHERE routed_unit_price_eur IS NOT NULL"
        )
    )
    quote = sa.table(
        "quote_request",
        sa.column("id", sa.Uuid),
        sa.column("quantity", sa.Integer),
        sa.column("offer_unit_price", sa.Numeric(14, 2)),
        sa.column("offer_currency", sa.String),
        sa.column("offer_lead_time_days", sa.Integer),
        sa.column("offer_valid_until", sa.Date),
        sa.column("updated_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    offers = bind.execute(
        sa.select(quote).where(
            quote.c.offer_unit_price.is_not(None),
            quote.c.offer_currency.is_not(None),
            quote.c.offer_lead_time_days.is_not(None),
            quote.c.offer_valid_until.is_not(None),
        )
    ).all()
    table = sa.table(
        "quote_offer",
        sa.column("id", sa.Uuid),
        sa.column("quote_request_id", sa.Uuid),
        sa.column("revision", sa.Integer),
        sa.column("unit_price", sa.Numeric(14, 2)),
        sa.column("currency", sa.String),
        sa.column("lead_time_days", sa.Integer),
        sa.column("valid_until", sa.Date),
        sa.column("total", sa.Numeric(20, 2)),
        sa.column("went_to_review", sa.Boolean),
        sa.column("released_at", sqlmodel.sql.sqltypes.UTCDateTime()),
        sa.column("created_by", sa.String),
        sa.column("created_at", sqlmodel.sql.sqltypes.UTCDateTime()),
    )
    rows = [
        {
            "id": uuid.uuid4(),
            "quote_request_id": row.id,
            "revision": 1,
            "unit_price": row.offer_unit_price,
            "currency": row.offer_currency,
            "lead_time_days": row.offer_lead_time_days,
            "valid_until": row.offer_valid_until,
            "total": row.offer_unit_price * row.quantity,
            "went_to_review": False,
            "released_at": row.updated_at,
            "created_by": "migration:0007",
            "created_at": row.updated_at,
        }
        for row in offers
    ]
    if rows:
        op.bulk_insert(table, rows)
    bind.execute(
        sa.text("UPDATE quote_request SET offer_revision = 1 WHERE offer_unit_price IS NOT NULL")
    )


def _reserve_accepted_units() -> None:
    accepted = (
        "(SELECT COALESCE(SUM(q.quantity), 0) FROM quote_request q "
        "WHERE q.product_id = product.id AND q.status = 'ACCEPTED')"
    )
    op.execute(sa.text(f"UPDATE product SET units_reserved = {accepted}"))  # noqa: S608
    op.execute(
        sa.text(
            "UPDATE product SET units_available = CASE WHEN units_available > units_reserved "
            "THEN units_available - units_reserved ELSE 0 END"
        )
    )


def upgrade() -> None:
    with op.batch_alter_table("country", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("partner", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    _partner_countries()

    _add_units_reserved()

    with op.batch_alter_table("rule_set_version", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("queue_precedence", _json(), nullable=False, server_default="[]")
        )

    with op.batch_alter_table("quote_request", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("routed_unit_price_eur", sa.Numeric(precision=14, scale=2), nullable=True)
        )
        batch_op.add_column(
            sa.Column("licensed_value", sa.Numeric(precision=20, scale=2), nullable=True)
        )
        batch_op.add_column(sa.Column("licensed_currency", sa.String(length=3), nullable=True))
        batch_op.add_column(
            sa.Column("offer_revision", sa.Integer(), nullable=False, server_default="0")
        )
        batch_op.add_column(
            sa.Column("offer_pending", sa.Boolean(), nullable=False, server_default=sa.false())
        )
    with op.batch_alter_table("quote_request", schema=None) as batch_op:
        _swap_check(batch_op, "ck_quote_request_quote_status", [*QUOTE_STATUSES, "CLOSED"])

    op.create_table(
        "quote_offer",
        sa.Column("id", sa.Uuid(), nullable=False),
        sa.Column("quote_request_id", sa.Uuid(), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("unit_price", sa.Numeric(precision=14, scale=2), nullable=False),
        sa.Column("currency", sa.String(length=3), nullable=False),
        sa.Column("lead_time_days", sa.Integer(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=False),
        sa.Column("total", sa.Numeric(precision=20, scale=2), nullable=False),
        sa.Column("went_to_review", sa.Boolean(), nullable=False),
        sa.Column("released_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True),
        sa.Column("created_by", sa.String(length=200), nullable=False),
        sa.Column("created_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=False),
        sa.CheckConstraint("unit_price >= 0", name=op.f("ck_quote_offer_unit_price")),
        sa.ForeignKeyConstraint(
            ["quote_request_id"],
            ["quote_request.id"],
            name=op.f("fk_quote_offer_quote_request_id_quote_request"),
            ondelete="RESTRICT",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_quote_offer")),
        sa.UniqueConstraint(
            "quote_request_id", "revision", name=op.f("uq_quote_offer_quote_request_id_revision")
        ),
    )

    with op.batch_alter_table("licensing_case", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("routing_history", _json(), nullable=False, server_default="[]")
        )
        batch_op.add_column(
            sa.Column("review_round", sa.Integer(), nullable=False, server_default="1")
        )
        batch_op.add_column(sa.Column("held_from", sa.String(length=14), nullable=True))
        batch_op.add_column(sa.Column("hold_causes", _json(), nullable=False, server_default="[]"))
    with op.batch_alter_table("licensing_case", schema=None) as batch_op:
        _swap_check(batch_op, "ck_licensing_case_case_status", [*CASE_STATUSES, "ON_HOLD"])
        held_from = ", ".join(f"'{value}'" for value in [*CASE_STATUSES, "ON_HOLD"])
        batch_op.create_check_constraint(
            op.f("ck_licensing_case_held_from_status"), f"held_from IN ({held_from})"
        )

    with op.batch_alter_table("case_decision", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("review_round", sa.Integer(), nullable=False, server_default="1")
        )

    _snapshot_quotes()
    _reserve_accepted_units()


def downgrade() -> None:
    # Held cases go back to where they were; quotes closed by a withdrawn listing count as
    # withdrawn; reserved units return to the surplus figure the old meaning expects.
    op.execute(sa.text("UPDATE licensing_case SET status = held_from WHERE status = 'ON_HOLD'"))
    op.execute(sa.text("UPDATE quote_request SET status = 'WITHDRAWN' WHERE status = 'CLOSED'"))
    op.execute(sa.text("UPDATE product SET units_available = units_available + units_reserved"))

    with op.batch_alter_table("case_decision", schema=None) as batch_op:
        batch_op.drop_column("review_round")

    with op.batch_alter_table("licensing_case", schema=None) as batch_op:
        _swap_check(batch_op, "ck_licensing_case_case_status", CASE_STATUSES)
        batch_op.drop_constraint(op.f("ck_licensing_case_held_from_status"), type_="check")
    with op.batch_alter_table("licensing_case", schema=None) as batch_op:
        batch_op.drop_column("hold_causes")
        batch_op.drop_column("held_from")
        batch_op.drop_column("review_round")
        batch_op.drop_column("routing_history")

    op.drop_table("quote_offer")

    with op.batch_alter_table("quote_request", schema=None) as batch_op:
        _swap_check(batch_op, "ck_quote_request_quote_status", QUOTE_STATUSES)
    with op.batch_alter_table("quote_request", schema=None) as batch_op:
        batch_op.drop_column("offer_pending")
        batch_op.drop_column("offer_revision")
        batch_op.drop_column("licensed_currency")
        batch_op.drop_column("licensed_value")
        batch_op.drop_column("routed_unit_price_eur")

    with op.batch_alter_table("rule_set_version", schema=None) as batch_op:
        batch_op.drop_column("queue_precedence")

    if op.get_bind().dialect.name == "sqlite":
        op.execute("ALTER TABLE product DROP COLUMN units_reserved")
    else:
        op.drop_constraint(op.f("ck_product_units_reserved_non_negative"), "product", type_="check")
        op.drop_column("product", "units_reserved")

    with op.batch_alter_table("country", schema=None) as batch_op:
        batch_op.drop_column("partner")
