"""One source of truth for countries: the Python view in catalog.core.countries is derived from
the newest data file the migrations fill the `country` table from (0001 the rows, 0007 the
partner-country column), and equals the migrated table."""

import json
from pathlib import Path

import pytest
from sqlalchemy import select

from catalog.core import countries
from catalog.core.db import Database
from catalog.models import Country


async def test_the_derived_sets_equal_the_migrated_country_table(db: Database) -> None:
    async with db.read() as session:
        table = list(await session.scalars(select(Country)))
    assert {c.code: c.name for c in table} == countries.COUNTRIES
    assert {c.code for c in table if c.eu} == countries.EU
    assert {c.code for c in table if c.nato} == countries.NATO
    assert {c.code for c in table if c.embargoed} == countries.DEFAULT_EMBARGOED
    assert {c.code for c in table if c.partner} == countries.DEFAULT_PARTNERS


def test_the_module_reads_the_file_the_newest_country_migration_uses(project_root: Path) -> None:
    migration = (project_root / "migrations/versions/0007_quote_integrity.py").read_text()
    package, name = countries.COUNTRY_DATA
    assert f'"{Path(name).name}"' in migration  # the migration's COUNTRIES_FILE
    written = json.loads((project_root / package / name).read_text(encoding="utf-8"))
    assert countries.country_rows() == written


def test_the_newest_file_only_adds_the_partner_column_to_the_first(project_root: Path) -> None:
    first = json.loads((project_root / "migrations/data/countries_0001.json").read_text())
    newest = countries.country_rows()
    assert [{k: v for k, v in row.items() if k != "partner"} for row in newest] == first


def test_the_reference_groups() -> None:
    assert len(countries.COUNTRIES) == 249
    assert len(countries.EU) == 27 and len(countries.NATO) == 32
    assert {"RU", "BY", "IR", "KP", "SY"} == countries.DEFAULT_EMBARGOED
    assert set(countries.COUNTRIES) >= countries.EU | countries.NATO | countries.DEFAULT_EMBARGOED
    assert countries.COUNTRIES["UA"] == "Ukraine" and "UA" not in countries.EU | countries.NATO
    # the programme starts with the EU and NATO members that are not embargoed
    assert (
        countries.DEFAULT_PARTNERS == (countries.EU | countries.NATO) - countries.DEFAULT_EMBARGOED
    )
    assert len(countries.DEFAULT_PARTNERS) == 36


@pytest.mark.parametrize(
    ("code", "valid"),
    [("PL", True), ("UA", True), ("RU", True), ("pl", False), ("Pl", False), ("ZZ", False),
     ("POL", False), ("", False), (" PL", False), (None, False), (48, False)],
)  # fmt: skip
def test_is_iso_country(code: object, valid: bool) -> None:
    assert countries.is_iso_country(code) is valid  # type: ignore[arg-type]
