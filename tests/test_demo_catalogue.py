"""The demo catalogue file: checked on load with errors naming the entry, seeded exactly as
written (organisations, products with specs and combat records, releases, rules, version 1)."""

import json
from collections.abc import Callable
from decimal import Decimal
from importlib import resources
from typing import Any

import pytest
from sqlalchemy import select

from catalog.core.db import Database
from catalog.core.enums import OrgKind, VettingStatus
from catalog.demo.catalogue import (
    CATALOGUE_FILE,
    DemoCatalogueError,
    demo_catalogue,
    parse_demo_catalogue,
)
from catalog.demo.seed import seed_demo
from catalog.models import Organisation, Product, Release, RoutingRule, RuleSetVersion

Raw = dict[str, Any]


def _packaged() -> Raw:
    text = resources.files("catalog.demo").joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")
    return dict(json.loads(text))


def test_the_packaged_catalogue_has_the_stable_demo_slugs() -> None:
    catalogue = demo_catalogue()
    slugs = catalogue.organisation_slugs()
    assert len(slugs) == len(set(slugs))
    for code in ["PL", "DE", "DK", "EE", "LT", "GB", "NL", "US"]:
        assert f"demo-partner-{code}" in slugs
    assert [m.slug for m in catalogue.manufacturers] == [
        f"demo-manufacturer-{n}" for n in range(1, 9)
    ]
    assert (catalogue.curator.slug, catalogue.licensing.slug) == ("demo-curator", "demo-licensing")
    assert catalogue.products and catalogue.routing_rules


def _set(path: tuple[str | int, ...], value: Any) -> Callable[[Raw], None]:
    def change(raw: Raw) -> None:
        target: Any = raw
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _first_product_key(raw: Raw) -> str:
    product = raw["products"][0]
    return f"products[0] ({product['manufacturer']}/{product['sku']})"


BROKEN: list[tuple[str, Callable[[Raw], None], Callable[[Raw], str]]] = [
    (
        "a number written as text",
        _set(("products", 0, "units_available"), "12"),
        lambda raw: f"{_first_product_key(raw)}: units_available: Input should be a valid integer",
    ),
    (
        "an unknown key",
        _set(("routing_rules", 1, "queeu"), "X"),
        lambda raw: f"routing_rules[1] ({raw['routing_rules'][1]['name']}): queeu: Unexpected",
    ),
    (
        "an unknown vetting status",
        _set(("partners", 0, "vetting"), "MAYBE"),
        lambda raw: f"partners[0] ({raw['partners'][0]['slug']}): vetting: Input should be",
    ),
    (
        "a product of nobody",
        _set(("products", 0, "manufacturer"), "demo-manufacturer-99"),
        lambda raw: (
            "products[0] (demo-manufacturer-99/"
            f"{raw['products'][0]['sku']}): manufacturer 'demo-manufacturer-99' is not"
        ),
    ),
    (
        "a release to an embargoed country",
        _set(("products", 0, "released_to"), ["PL", "RU"]),
        lambda raw: f"{_first_product_key(raw)}: released_to: RU is under an arms embargo",
    ),
    (
        "a release to no country",
        _set(("products", 0, "released_to"), ["XX"]),
        lambda raw: f"{_first_product_key(raw)}: released_to: 'XX' is not an ISO 3166-1",
    ),
    (
        "a spec the category does not have",
        _set(("products", 0, "specs", "wingspan_m"), 3),
        lambda raw: f"{_first_product_key(raw)}: specs: wingspan_m: Extra inputs",
    ),
    (
        "a control entry outside the Military List",
        _set(("products", 0, "control_entry"), "XL6"),
        lambda raw: f"{_first_product_key(raw)}: control_entry 'XL6' is not a Military List",
    ),
    (
        "a routing condition the engine does not know",
        _set(("routing_rules", 0, "conditions"), {"moon_phase": ["FULL"]}),
        lambda raw: f"routing_rules[0] ({raw['routing_rules'][0]['name']}): conditions: ",
    ),
    (
        "a second curator slug",
        _set(("licensing", "slug"), "demo-curator"),
        lambda raw: "licensing: slug repeats another organisation's",
    ),
]


@pytest.mark.parametrize(
    ("change", "expected"),
    [(change, expected) for _, change, expected in BROKEN],
    ids=[name for name, _, _ in BROKEN],
)
def test_a_broken_entry_is_named_in_the_error(
    change: Callable[[Raw], None], expected: Callable[[Raw], str]
) -> None:
    raw = _packaged()
    change(raw)
    with pytest.raises(DemoCatalogueError) as error:
        parse_demo_catalogue(json.dumps(raw), source="broken.json")
    message = str(error.value)
    assert message.startswith("broken.json is not a valid demo catalogue:\n")
    assert expected(raw) in message


def test_text_that_is_not_json_is_refused() -> None:
    with pytest.raises(DemoCatalogueError, match=r"^x\.json is not valid JSON"):
        parse_demo_catalogue('{"manufacturers": [', source="x.json")


async def test_the_seed_writes_exactly_the_catalogue_file(db: Database) -> None:
    catalogue = demo_catalogue()
    assert (await seed_demo(db)).created
    async with db.read() as session:
        orgs = {o.slug: o for o in await session.scalars(select(Organisation))}
        products = list(await session.scalars(select(Product)))
        releases = list(await session.scalars(select(Release)))
        rules = list(await session.scalars(select(RoutingRule)))
        versions = list(await session.scalars(select(RuleSetVersion)))

    expected_orgs = {
        **{
            m.slug: (m, OrgKind.MANUFACTURER, VettingStatus.VETTED) for m in catalogue.manufacturers
        },
        **{p.slug: (p, OrgKind.PARTNER, p.vetting) for p in catalogue.partners},
        catalogue.curator.slug: (catalogue.curator, OrgKind.CURATOR, VettingStatus.VETTED),
        catalogue.licensing.slug: (catalogue.licensing, OrgKind.LICENSING, VettingStatus.VETTED),
    }
    assert {slug: (o.name, o.kind, o.country, o.vetting) for slug, o in orgs.items()} == {
        slug: (spec.name, kind, spec.country, vetting)
        for slug, (spec, kind, vetting) in expected_orgs.items()
    }

    slug_of = {o.id: slug for slug, o in orgs.items()}
    columns = [
        "sku", "name", "category", "summary", "description", "specs", "combat_record",
        "control_entry", "tech_transfer", "units_available", "lead_time_days", "status",
    ]  # fmt: skip
    seeded = {
        (slug_of[p.manufacturer_id], p.sku): (
            {c: getattr(p, c) for c in columns},
            Decimal(p.unit_price_eur or 0),
            sorted(r.country for r in releases if r.product_id == p.id),
        )
        for p in products
    }
    assert seeded == {
        (spec.manufacturer, spec.sku): (
            {c: getattr(spec, c) for c in columns},
            spec.unit_price_eur,
            sorted(spec.released_to),
        )
        for spec in catalogue.products
    }
    # JSON values keep their types (20, not 20.0) on both databases.
    specs = {(s.manufacturer, s.sku): s.specs for s in catalogue.products}
    for p in products:
        expected = specs[(slug_of[p.manufacturer_id], p.sku)]
        assert {k: type(v) for k, v in p.specs.items()} == {k: type(v) for k, v in expected.items()}
    curator_id = orgs[catalogue.curator.slug].id
    assert all(r.released_by_org_id == curator_id and r.revoked_at is None for r in releases)

    rule_columns = list(catalogue.routing_rules[0].columns())
    written = [{c: getattr(r, c) for c in rule_columns} for r in rules]
    assert all(r.active for r in rules)
    assert sorted(written, key=str) == sorted(
        (spec.columns() for spec in catalogue.routing_rules), key=str
    )
    assert [v.version for v in versions] == [1]
    snapshot = [{k: v for k, v in rule.items() if k != "id"} for rule in versions[0].rules]
    assert snapshot == [spec.columns() for spec in catalogue.routing_rules]
    assert not (await seed_demo(db)).created
