"""Keyset (seek) pagination: opaque cursors holding the sort key of the last row seen."""

import base64
import binascii
import json
import re
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar, cast

import orjson
from sqlalchemy import ColumnElement, Integer, Select, and_, bindparam, or_
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute, Mapped

from catalog.core.errors import Codes, DomainError

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class SortColumn:
    column: Mapped[Any]
    descending: bool
    kind: str  # "str" | "int" | "datetime" | "uuid": how the value travels in a cursor
    key: str = field(init=False)  # the attribute a row holds the column's value in

    def __post_init__(self) -> None:
        # col() types a mapped attribute as Mapped, which does not declare the key it carries.
        object.__setattr__(self, "key", cast(InstrumentedAttribute[Any], self.column).key)


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    items: list[T]
    cursors: list[str]
    has_next: bool


def _encode_value(value: Any) -> Any:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return value.hex
    return value


# What a cursor may hold: values the database can compare with, as our own cursors do.
INT_RANGE = range(-(2**63), 2**63)
MAX_CURSOR_CHARS = 2048
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")  # NUL, lone surrogates: not text anywhere


def _decode_value(raw: Any, kind: str) -> Any:
    if kind == "int":
        if not isinstance(raw, int) or isinstance(raw, bool) or raw not in INT_RANGE:
            raise ValueError("not a 64-bit integer")
        return raw
    if not isinstance(raw, str) or _UNSTORABLE.search(raw):
        raise ValueError("not a string")
    if kind == "datetime":
        moment = datetime.fromisoformat(raw)
        if moment.utcoffset() is None:
            raise ValueError("not a moment in UTC")
        return moment.astimezone(UTC)
    if kind == "uuid":
        return uuid.UUID(hex=raw)
    return raw


def encode_cursor(order: str, row: Any, columns: list[SortColumn]) -> str:
    values = [_encode_value(getattr(row, c.key)) for c in columns]
    try:
        raw = orjson.dumps({"o": order, "k": values})
    except TypeError:  # what orjson refuses (integers past 64 bits): the standard encoder
        raw = json.dumps({"o": order, "k": values}, separators=(",", ":")).encode()
    # base64.urlsafe_b64encode's own steps, without its two layers of calls around them
    return binascii.b2a_base64(raw, newline=False).translate(_URL_SAFE).decode().rstrip("=")


_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def decode_cursor(cursor: str, order: str, columns: list[SortColumn]) -> list[Any]:
    """The sort key inside a cursor; a cursor from another ordering or a forged one is refused."""
    try:
        if len(cursor) > MAX_CURSOR_CHARS:
            raise ValueError("longer than any cursor we hand out")
        padded = cursor + "=" * (-len(cursor) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
        if not isinstance(data, dict) or not isinstance(data.get("k"), list):
            raise ValueError("not a cursor")
        if data.get("o") != order or len(data["k"]) != len(columns):
            raise ValueError("cursor belongs to another ordering")
        return [_decode_value(v, c.kind) for v, c in zip(data["k"], columns, strict=True)]
    except (ValueError, TypeError, OverflowError, RecursionError, binascii.Error) as error:
        # (UnicodeError and JSONDecodeError are ValueErrors.)
        raise DomainError.one("invalid cursor", Codes.INVALID, "after") from error


def after_clause(columns: list[SortColumn], values: list[Any]) -> ColumnElement[bool]:
    """Rows strictly after `values` in the order given by `columns` (mixed directions)."""
    alternatives = []
    for index, column in enumerate(columns):
        equal_prefix = [c.column == v for c, v in zip(columns[:index], values[:index], strict=True)]
        value = values[index]
        beyond = column.column < value if column.descending else column.column > value
        alternatives.append(and_(*equal_prefix, beyond))
    return or_(*alternatives)


def order_by(columns: list[SortColumn]) -> list[Any]:
    return [c.column.desc() if c.descending else c.column.asc() for c in columns]


def page_statement(statement: Select[T], columns: list[SortColumn], *, after: bool) -> Select[T]:
    """`statement` ordered by `columns`, limited, and with `after` past a cursor's key: the
    key and the limit are bound parameters (`page_values`), so one statement serves every
    page of its kind and may be built once."""
    if after:
        keys: list[Any] = [bindparam(f"after_{i}") for i in range(len(columns))]
        statement = statement.where(after_clause(columns, keys))
    return statement.order_by(*order_by(columns)).limit(bindparam("page_limit", type_=Integer))


def page_values(
    order: str, columns: list[SortColumn], first: int, after: str | None
) -> dict[str, Any]:
    """The parameters of `page_statement`: one row more than asked, to learn whether another
    page follows, and the sort key inside the cursor `after` (refused if forged or from
    another ordering)."""
    values: dict[str, Any] = {"page_limit": first + 1}
    if after:
        for index, value in enumerate(decode_cursor(after, order, columns)):
            values[f"after_{index}"] = value
    return values


def page_of(rows: list[T], order: str, columns: list[SortColumn], first: int) -> Page[T]:
    items = rows[:first]
    return Page(
        items=items,
        cursors=[encode_cursor(order, row, columns) for row in items],
        has_next=len(rows) > first,
    )


async def paginate(
    session: AsyncSession,
    statement: Select[T],
    *,
    order: str,
    columns: list[SortColumn],
    first: int,
    after: str | None,
    whole_rows: bool = False,
) -> Page[T]:
    """Up to `first` rows of `statement` after the cursor `after`, in the order of `columns`.

    `order` names the ordering inside each cursor, so a cursor from another ordering is
    refused. Items are the statement's first column (an entity), or with `whole_rows` its rows
    (plain columns).
    """
    values = page_values(order, columns, first, after)
    paged = page_statement(statement, columns, after=bool(after))
    if whole_rows:
        # Plain columns need none of the ORM's result processing: Core runs them.
        rows: list[Any] = list((await (await session.connection()).execute(paged, values)).all())
    else:
        rows = list((await session.execute(paged, values)).scalars().all())
    return page_of(rows, order, columns, first)
