"""schema/schema.graphql is the exported SDL; any drift from the code is an API change to review."""

from pathlib import Path

import schema

SNAPSHOT = Path(__file__).resolve().parent.parent / "schema" / "schema.graphql"


def test_sdl_snapshot_matches_the_code() -> None:
    built = schema.schema.as_str().strip()
    assert SNAPSHOT.read_text().strip() == built, "run `make schema` and review the diff"


def test_contract_names_are_present() -> None:
    sdl = schema.schema.as_str()
    for name in (
        "interface Node",
        "type UserError",
        "enum ProductCategory",
        "enum TechTransfer",
        "enum ProductStatus",
        "input CreateProductInput",
        "type ProductPayload",
        "input ProductFilter",
    ):
        assert name in sdl, name
