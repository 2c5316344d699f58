"""webhook delivery: secrets, attempts and egress

Standard Webhooks secrets: rotatable (the previous secret signs until its grace period ends),
and written as `whsec_` + standard base64 of the key. Secrets made before were `whsec_` +
URL-safe base64 without padding; they are rewritten to the standard alphabet with the same key
bytes, so a receiver holding the old text gets the new one by replacing `-` with `+`, `_` with
`/` and padding with `=` (or by calling `rotateWebhookSecret`).

Delivery errors shown to registrants become coarse (`connection failed`, `timeout`,
`HTTP 5xx` …): the detailed ones recorded before could tell whether an internal port answers.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-29 23:30:00.000000
"""

import base64
import binascii
from collections.abc import Sequence

import sqlalchemy as sa
import sqlmodel
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

PREFIX = "whsec_"


def _standard(secret: str) -> str | None:
    """The same key in the standard alphabet, or None when it already is (or is not ours)."""
    body = secret[len(PREFIX) :] if secret.startswith(PREFIX) else secret
    try:
        base64.b64decode(body, validate=True)
        return None
    except (binascii.Error, ValueError):
        pass
    try:
        key = base64.urlsafe_b64decode(body + "=" * (-len(body) % 4))
    except (binascii.Error, ValueError):
        return None
    return PREFIX + base64.b64encode(key).decode()


def _coarse(error: str) -> str:
    if error in ("connection failed", "timeout", "internal error"):
        return error
    if error.startswith("HTTP ") and error[5:6].isdigit():
        return f"HTTP {error[5]}xx"
    if "timeout" in error.lower():
        return "timeout"
    return "connection failed"


def upgrade() -> None:
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.add_column(sa.Column("previous_secret", sa.String(length=128), nullable=True))
        batch_op.add_column(
            sa.Column(
                "previous_secret_expires_at", sqlmodel.sql.sqltypes.UTCDateTime(), nullable=True
            )
        )
    endpoint = sa.table("webhook_endpoint", sa.column("id", sa.Uuid()), sa.column("secret"))
    connection = op.get_bind()
    for row in connection.execute(sa.select(endpoint.c.id, endpoint.c.secret)).all():
        converted = _standard(row.secret)
        if converted is not None:
            connection.execute(
                endpoint.update().where(endpoint.c.id == row.id).values(secret=converted)
            )
    delivery = sa.table("webhook_delivery", sa.column("id", sa.Uuid()), sa.column("last_error"))
    failed = sa.select(delivery.c.id, delivery.c.last_error).where(
        delivery.c.last_error.is_not(None)
    )
    for row in connection.execute(failed).all():
        coarse = _coarse(row.last_error)
        if coarse != row.last_error:
            connection.execute(
                delivery.update().where(delivery.c.id == row.id).values(last_error=coarse)
            )


def downgrade() -> None:
    with op.batch_alter_table("webhook_endpoint", schema=None) as batch_op:
        batch_op.drop_column("previous_secret_expires_at")
        batch_op.drop_column("previous_secret")
