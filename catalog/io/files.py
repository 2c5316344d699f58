"""Catalogue files: JSON Lines (one product per line, nested specs) and CSV (the spreadsheets
manufacturers bring: specs flattened as `specs.range_km`, lists separated by `;`).

Pure parsing and formatting; `catalog/io/catalogue.py` validates rows and writes them.
A row is a dict in the JSON Lines shape; CSV cells are unflattened into it (strings are
converted to numbers later, by the same validation as `createProduct`).
"""

import csv
import json
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, Literal

from catalog.products.specs import SPECS_BY_CATEGORY, CombatRecord

Format = Literal["jsonl", "csv"]
LIST_SEPARATOR = ";"
BASE_COLUMNS = [
    "id",
    "manufacturer",
    "sku",
    "name",
    "category",
    "summary",
    "description",
    "control_entry",
    "tech_transfer",
    "units_available",
    "lead_time_days",
    "unit_price_eur",
    "status",
    "review_note",
    "released_to",
    "created_at",
    "published_at",
]


def _spec_fields() -> list[str]:
    names: list[str] = []
    for model in SPECS_BY_CATEGORY.values():
        names += [name for name in model.model_fields if name not in names]
    return names


def _list_fields() -> set[str]:
    found = {"released_to"}
    models = [("specs", m) for m in SPECS_BY_CATEGORY.values()] + [("combat_record", CombatRecord)]
    for prefix, model in models:
        for name, info in model.model_fields.items():
            if "list" in str(info.annotation):
                found.add(f"{prefix}.{name}")
    return found


SPEC_COLUMNS = [f"specs.{name}" for name in _spec_fields()]
COMBAT_COLUMNS = [f"combat_record.{name}" for name in CombatRecord.model_fields]
CSV_COLUMNS = BASE_COLUMNS + SPEC_COLUMNS + COMBAT_COLUMNS
LIST_COLUMNS = _list_fields()


def detect_format(path: Path, explicit: str | None = None) -> Format:
    name = (explicit or path.suffix.lstrip(".")).lower()
    if name in ("jsonl", "ndjson", "json"):
        return "jsonl"
    if name == "csv":
        return "csv"
    raise ValueError(f"cannot tell the format of {path.name}: use .jsonl or .csv, or --format")


# ---------------------------------------------------------------- reading

ParsedLine = tuple[int, dict[str, Any] | str]
"""(line number, the row) or (line number, why the line could not be read)."""


def read_rows(path: Path, file_format: Format) -> list[ParsedLine]:
    with path.open(newline="", encoding="utf-8-sig") as handle:
        if file_format == "jsonl":
            return list(_read_jsonl(handle))
        return list(_read_csv(handle))


def _read_jsonl(lines: Iterable[str]) -> Iterator[ParsedLine]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            value = json.loads(line)
        except json.JSONDecodeError as error:
            yield number, f"not valid JSON: {error.msg}"
            continue
        yield number, value if isinstance(value, dict) else "a line must hold a JSON object"


def _read_csv(handle: Iterable[str]) -> Iterator[ParsedLine]:
    reader = csv.DictReader(handle)
    unknown = sorted(set(reader.fieldnames or []) - set(CSV_COLUMNS))
    if unknown:
        yield 1, f"unknown columns: {', '.join(unknown)}"
        return
    start = reader.line_num + 1
    for cells in reader:
        if None in cells:
            yield start, "more cells than columns"
        else:
            yield start, unflatten(cells)
        start = reader.line_num + 1


def unflatten(cells: dict[str, str | None]) -> dict[str, Any]:
    """CSV cells to a row: empty cells are absent, `a.b` columns nest, list columns split."""
    row: dict[str, Any] = {}
    for column, raw in cells.items():
        value = (raw or "").strip()
        if not value:
            continue
        parsed: Any = value
        if column in LIST_COLUMNS:
            parsed = [part.strip() for part in value.split(LIST_SEPARATOR) if part.strip()]
        prefix, _, member = column.partition(".")
        if member:
            row.setdefault(prefix, {})[member] = parsed
        else:
            row[column] = parsed
    return row


# ---------------------------------------------------------------- writing


def flatten(row: dict[str, Any]) -> dict[str, str]:
    cells: dict[str, str] = {}
    for column in CSV_COLUMNS:
        prefix, _, member = column.partition(".")
        value = (row.get(prefix) or {}).get(member) if member else row.get(column)
        if value is None:
            cells[column] = ""
        elif isinstance(value, list):
            cells[column] = LIST_SEPARATOR.join(str(v) for v in value)
        else:
            cells[column] = str(value)
    return cells


def write_rows(path: Path, file_format: Format, rows: Iterable[dict[str, Any]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as handle:
        if file_format == "jsonl":
            for row in rows:
                handle.write(json.dumps(row, ensure_ascii=False, sort_keys=True) + "\n")
                count += 1
            return count
        writer = csv.DictWriter(handle, fieldnames=CSV_COLUMNS)
        writer.writeheader()
        for row in rows:
            writer.writerow(flatten(row))
            count += 1
    return count
