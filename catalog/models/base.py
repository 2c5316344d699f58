"""Column helpers shared by the tables: portable enums, JSON, timestamps and naming rules."""

import uuid
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import JSONB
from sqlmodel import Field, SQLModel
from sqlmodel.sql.sqltypes import UTCDateTime

# Deterministic constraint names so that migrations name the same objects on every database.
SQLModel.metadata.naming_convention = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JSONType = sa.JSON().with_variant(JSONB(), "postgresql")


def table_of(model: type[SQLModel]) -> sa.Table:
    """A table model's Core table, for statements that need no ORM entity."""
    table = sa.inspect(model).local_table  # SQLModel declares no typed __table__
    assert isinstance(table, sa.Table)
    return table


def utcnow() -> datetime:
    return datetime.now(UTC)


def new_id() -> uuid.UUID:
    return uuid.uuid4()


def enum_type(enum: type[StrEnum], name: str) -> sa.Enum:
    """A string column restricted by a CHECK constraint, never a native PostgreSQL enum type
    (native enums need their own migrations for every new value)."""
    return sa.Enum(
        enum,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=max(len(m.value) for m in enum),
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
    )


def id_field() -> Any:
    return Field(default_factory=new_id, primary_key=True)


def created_field() -> Any:
    return Field(default_factory=utcnow, sa_type=UTCDateTime(), nullable=False)


def timestamp_field(*, nullable: bool = True) -> Any:
    return Field(default=None, sa_type=UTCDateTime(), nullable=nullable)


def fk(target: str, *, nullable: bool = False, index: bool = True) -> Any:
    return Field(
        default=None if nullable else ...,
        foreign_key=target,
        nullable=nullable,
        index=index,
        ondelete="RESTRICT",
    )
