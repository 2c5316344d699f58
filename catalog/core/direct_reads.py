"""Hot reads run on the database driver itself, from statements compiled once.

SQLAlchemy's execution of a Core statement costs about as much again as the statement does on
the driver for the reads every page makes: a lookup by id cost 0.8 to 1.0 ms through a pooled
connection, 0.4 to 0.5 ms this way, on SQLite and PostgreSQL alike; a page of fifty products
0.7x. What it does per statement (cache-key lookup, execution context, adapter cursor,
greenlet switches, result metadata) is the same every time for a statement that is built
once, so here it is done once:

- `DirectRead` holds a Core SELECT; per dialect it is compiled once to its SQL text, the
  order of its parameters, their bind processors (a UUID to SQLite's 32 hex digits, an enum
  to its name) and literal values, and its columns' result processors;
- `Database.fetch` runs it on a connection of the read pool through the driver's own call
  (one hop to SQLite's thread; asyncpg's prepared-statement cache), then applies the same
  processors SQLAlchemy would, so the rows hold the same values of the same types as
  SQLAlchemy's rows, read by the same attribute names.

Only statements whose text is final qualify: an expanding IN list or a literal-execute
parameter changes the text per call and is refused when compiled (an id list is written as a
fixed number of parameters instead: `id_slots`). Everything else keeps SQLAlchemy's path.
"""

import uuid
from collections import namedtuple
from collections.abc import Callable, Mapping, Sequence
from typing import Any, cast

from sqlalchemy import ColumnElement, CompoundSelect, Select, Uuid, bindparam
from sqlalchemy.engine import Dialect
from sqlalchemy.sql.compiler import SQLCompiler

Processor = Callable[[Any], Any] | None
RowMaker = Callable[[Sequence[Any]], Any]
Statement = Select[Any] | CompoundSelect[Any]
# An id list is written as this many parameters at most per statement; longer lists run in
# chunks. Below it, the slots are the next power of two, the last id repeated.
MAX_ID_SLOTS = 128


class DirectRead:
    """A Core SELECT to run with `Database.fetch`, compiled on first use per dialect. `brief`:
    a read that is short by construction (rows by primary key, a page's first rows in index
    order); on SQLite it runs on the event loop's thread while it stays short
    (catalog/core/sqlite_driver.py)."""

    __slots__ = ("_compiled", "brief", "statement")

    def __init__(self, statement: Statement, *, brief: bool = False) -> None:
        self.statement = statement
        self.brief = brief
        self._compiled: dict[str, CompiledRead] = {}

    def compiled(self, dialect: Dialect) -> "CompiledRead":
        found = self._compiled.get(dialect.name)
        if found is None:
            found = self._compiled[dialect.name] = CompiledRead(self.statement, dialect)
        return found


def direct_if_final(statement: Statement, dialect: Dialect) -> DirectRead | None:
    """`statement` as a direct read when its text is final for `dialect` (compiled now), else
    None: it keeps SQLAlchemy's path."""
    read = DirectRead(statement)
    try:
        read.compiled(dialect)
    except ValueError:
        return None
    return read


class CompiledRead:
    def __init__(self, statement: Statement, dialect: Dialect) -> None:
        compiled = statement.compile(dialect=dialect)
        assert isinstance(compiled, SQLCompiler)
        if compiled.post_compile_params or compiled.literal_execute_params:
            raise ValueError("a direct read's text must be final: no expanding parameters")
        names = compiled.positiontup or []
        self.sql = compiled.string
        processors = cast(Mapping[str, Processor], compiled._bind_processors)
        self._binds = tuple((name, processors.get(name)) for name in names)
        self._fixed = {
            name: bind.effective_value for name, bind in compiled.binds.items() if not bind.required
        }
        self._dialect = dialect
        self._types = [entry[3] for entry in compiled._result_columns]
        keys = [entry[0] for entry in compiled._result_columns]
        self.row_type: Any = namedtuple("DirectRow", keys)  # type: ignore[misc]
        # PostgreSQL's processors depend on the columns' types as the server reports them;
        # they are read when the statement is first prepared.
        self.make_row: RowMaker | None = (
            None if dialect.name == "postgresql" else self._maker_for([None] * len(self._types))
        )

    def _maker_for(self, column_types: Sequence[Any]) -> RowMaker:
        processors = [
            _uuid_from_text
            if _uuid_as_text(type_, self._dialect)
            else type_._cached_result_processor(self._dialect, column_type)
            for type_, column_type in zip(self._types, column_types, strict=True)
        ]
        return row_maker(self.row_type, processors)

    def arguments(self, values: Mapping[str, Any]) -> list[Any]:
        arguments = []
        for name, process in self._binds:
            value = values[name] if name in values else self._fixed[name]
            arguments.append(value if process is None else process(value))
        return arguments

    def rows(self, fetched: Sequence[Sequence[Any]]) -> list[Any]:
        make = self.make_row
        assert make is not None
        return [make(row) for row in fetched]

    async def run(self, driver: Any, arguments: list[Any]) -> list[Any]:
        """The rows, on the driver connection `driver` (aiosqlite's one-hop connection, or an
        asyncpg connection)."""
        if self._dialect.name == "sqlite":
            return self.rows(await driver.read_all(self.sql, arguments))
        if self.make_row is None:
            prepared = await driver.prepare(self.sql)
            self.make_row = self._maker_for([a.type.oid for a in prepared.get_attributes()])
            return self.rows(await prepared.fetch(*arguments))
        return self.rows(await driver.fetch(self.sql, *arguments))


def _uuid_as_text(type_: Any, dialect: Dialect) -> bool:
    """A `Uuid` column read as `uuid.UUID` from text (SQLite keeps its 32 hex digits)."""
    return (
        isinstance(type_, Uuid)
        and type_.as_uuid
        and not (dialect.supports_native_uuid and type_.native_uuid)
    )


_new_object = object.__new__
_set = object.__setattr__
_UNKNOWN = uuid.SafeUUID.unknown


def _uuid_from_text(value: Any) -> uuid.UUID | None:
    """SQLAlchemy's processor, `uuid.UUID(value)`, without its parsing of the text's other
    spellings (braces, dashes, a `urn:uuid:` prefix) where the text is the 32 digits written:
    a third of the time. What `uuid.UUID` reads of 32 letters and digits is `int(value, 16)`;
    anything else takes `uuid.UUID` itself, its errors included."""
    if value is None:
        return None
    if type(value) is str and len(value) == 32 and value.isalnum():
        try:
            number = int(value, 16)
        except ValueError:
            return uuid.UUID(value)  # its own error
        made: uuid.UUID = _new_object(uuid.UUID)
        _set(made, "int", number)
        _set(made, "is_safe", _UNKNOWN)
        return made
    return uuid.UUID(value)


def row_maker(row_type: Any, processors: Sequence[Processor]) -> RowMaker:
    """A driver's row as a `row_type` (a named tuple) whose values went through their columns'
    result processors, as SQLAlchemy's rows do. Generated as one expression per statement: a
    loop over fifty rows of thirty columns, most without a processor, cost about a third of
    the processors' own work."""
    if not any(processors):
        return cast(RowMaker, row_type._make)
    namespace: dict[str, Any] = {"new": tuple.__new__, "Row": row_type}
    values = []
    for index, process in enumerate(processors):
        if process is None:
            values.append(f"row[{index}]")
        else:
            namespace[f"process{index}"] = process
            values.append(f"process{index}(row[{index}])")
    source = f"def make(row):\n    return new(Row, ({', '.join(values)},))"
    exec(compile(source, "<direct read row>", "exec"), namespace)  # noqa: S102 - our own text
    return cast(RowMaker, namespace["make"])


def id_slots(column: ColumnElement[Any], count: int, name: str = "id") -> ColumnElement[bool]:
    """`column IN (:id_0, …, :id_<count-1>)`: an id list of fixed length (`slotted_ids`).
    `name`: the parameters' prefix, where one statement holds two lists."""
    return column.in_([bindparam(f"{name}_{i}", type_=column.type) for i in range(count)])


def slot_count(ids: Sequence[Any]) -> int:
    """The number of slots for `ids` (at most `MAX_ID_SLOTS`): the next power of two, so that a
    handful of statements serve every batch size."""
    slots = 1
    while slots < len(ids) and slots < MAX_ID_SLOTS:
        slots *= 2
    return slots


def slotted_ids(ids: Sequence[Any], slots: int, name: str = "id") -> dict[str, Any]:
    """Parameter values for `id_slots(…, slots, name)`: `ids` (at most `slots`, at least one),
    the last one repeated to fill the slots (a repeated value selects nothing more)."""
    assert 0 < len(ids) <= slots
    return {f"{name}_{i}": ids[min(i, len(ids) - 1)] for i in range(slots)}
