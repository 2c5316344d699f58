"""search index: the product columns a search reads, beside the product's id (SQLite)

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-01 05:00:00.000000

The `sql` search backend reads, for every match released to the caller's country, the
product's status (visibility), name (ranking), and the four facet columns. On SQLite a product
row keeps its description and specs before most of those columns, so each read walked the
row's overflow pages: at 100,000 products the ranking statement spent a third of its time
there (21 ms, 14 ms with this index, which answers the whole read). PostgreSQL keeps long
values out of line and showed no difference with an equivalent index, so it gets none.

The index is a derived search structure, like the index's tables: it lives outside the models
(its name carries the search index's prefix).
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEX = "product_search_product_columns"


def upgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(
            f"CREATE INDEX {INDEX} ON product"
            " (id, status, name, category, control_entry, manufacturer_id, tech_transfer)"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name == "sqlite":
        op.execute(f"DROP INDEX {INDEX}")
