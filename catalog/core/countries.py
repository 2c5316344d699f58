"""ISO 3166-1 alpha-2 country reference data, read from the file that seeds the `country` table.

Migration 0001 inserts the rows of ``migrations/data/countries_0001.json`` into the `country`
table and migration 0007 adds the `partner` column from ``countries_0007.json`` (the same rows
with that column); this module derives its Python view from the newest of these files, so code
that has no database at hand (validating routing rule conditions, the bench dataset generator,
pure tests) agrees with the table. tests/test_countries.py checks the derived sets against the
migrated table on every database: a later migration that changes the table must bring its own
data file, and this module must then read that one.

* ``COUNTRIES`` maps every officially assigned code (249 entries) to a short English name.
* ``EU`` and ``NATO`` are the membership groups used by licensing/routing rules.
* ``DEFAULT_EMBARGOED`` lists the destinations embargoed in the reference data: never eligible
  for release. The database's `country.embargoed` is what the service enforces.
* ``DEFAULT_PARTNERS`` is the programme's initial partner-country list (EU and NATO members that
  are not embargoed). Curators maintain the list in the database (`country.partner`), which is
  what the service enforces.
"""

import json
from importlib import resources
from typing import TypedDict

# The migration's own file (package data of `migrations`), never a copy of it.
COUNTRY_DATA = ("migrations", "data/countries_0007.json")


class CountryRow(TypedDict):
    """One row of the `country` table, as the data file spells it."""

    code: str
    name: str
    embargoed: bool
    eu: bool
    nato: bool
    partner: bool


def _is_row(row: object) -> bool:
    if not isinstance(row, dict) or set(row) != set(CountryRow.__annotations__):
        return False
    code = row["code"]
    flags = (row["embargoed"], row["eu"], row["nato"], row["partner"])
    return (
        isinstance(code, str)
        and len(code) == 2
        and code.isascii()
        and code.isupper()
        and isinstance(row["name"], str)
        and all(isinstance(flag, bool) for flag in flags)
    )


def country_rows() -> list[CountryRow]:
    """The rows of the country data file, in file order; raises ValueError if malformed."""
    package, name = COUNTRY_DATA
    rows = json.loads(resources.files(package).joinpath(name).read_text(encoding="utf-8"))
    bad = [row for row in rows if not _is_row(row)]
    if bad or len({row["code"] for row in rows}) != len(rows):
        raise ValueError(f"{package}/{name}: malformed or repeated country rows: {bad[:3]}")
    checked: list[CountryRow] = rows  # every row passed _is_row above
    return checked


_ROWS = country_rows()

COUNTRIES: dict[str, str] = {row["code"]: row["name"] for row in _ROWS}
EU: frozenset[str] = frozenset(row["code"] for row in _ROWS if row["eu"])
NATO: frozenset[str] = frozenset(row["code"] for row in _ROWS if row["nato"])
DEFAULT_EMBARGOED: frozenset[str] = frozenset(row["code"] for row in _ROWS if row["embargoed"])
DEFAULT_PARTNERS: frozenset[str] = frozenset(row["code"] for row in _ROWS if row["partner"])


def is_iso_country(code: str) -> bool:
    """Return True if ``code`` is exactly an uppercase ISO 3166-1 alpha-2 code in COUNTRIES."""
    return isinstance(code, str) and len(code) == 2 and code.isupper() and code in COUNTRIES
