"""Pure rules of the programme, without a database: the export-centre and sensitive-technology
gates of the routing engine, and which products an export freeze covers."""

import uuid
from dataclasses import replace
from datetime import date
from decimal import Decimal

from catalog.core.enums import FreezeScope, ProductCategory, TechTransfer
from catalog.licensing.routing import QuoteFacts, RoutingDecision, route
from catalog.models import ExportFreeze, Product
from catalog.programme.coproduction import sensitivity
from catalog.programme.coverage import covers
from tests.test_routing import BASE

# The routing tests' fixed quote, for two units delivered to Poland.
FACTS = replace(
    BASE,
    quantity=2,
    value_eur=Decimal("80000"),
    partner_country="PL",
    delivery_country="PL",
)
MONDAY = date(2026, 3, 2)


def _route(facts: QuoteFacts) -> RoutingDecision:
    return route(facts, [], rule_set_version=1, submitted_on=MONDAY)


def test_a_direct_quote_keeps_the_four_gates() -> None:
    decision = _route(FACTS)
    assert [e.rule_name for e in decision.explanation][-1].startswith("Hard gate: technology")
    assert len(decision.explanation) == 4 and "VIA_EXPORT_CENTRE" not in decision.flags


def test_a_transit_country_is_flagged_explained_and_gated() -> None:
    via = replace(FACTS, transit_country="EE")
    decision = _route(via)
    assert "VIA_EXPORT_CENTRE" in decision.flags and "RE_EXPORT" not in decision.flags
    assert decision.explanation[-1].rule_name.endswith("transit through EE, final destination PL")
    assert not decision.refused
    embargoed = _route(replace(via, transit_embargoed=True))
    assert embargoed.refused
    assert embargoed.refusal_reason == "transit country EE is under an arms embargo"
    unlisted = _route(replace(via, transit_listed=False))
    assert unlisted.refused and "NOT_A_PARTNER_COUNTRY" in unlisted.flags


def test_sensitive_technology_is_never_produced_abroad() -> None:
    abroad = replace(FACTS, co_production=True, production_abroad=True)
    allowed = _route(abroad)
    assert not allowed.refused and allowed.approvals_required == 2
    refused = _route(replace(abroad, sensitive_technology="the guidance of X is sensitive"))
    assert refused.refused and "SENSITIVE_TECHNOLOGY" in refused.flags
    assert refused.refusal_reason == (
        "sensitive technology is never licensed abroad: the guidance of X is sensitive"
    )


def _product(**changes: object) -> Product:
    base = {
        "manufacturer_id": uuid.uuid4(),
        "sku": "X",
        "name": "Khvylia",
        "summary": "s",
        "category": ProductCategory.NAVAL_DRONE,
        "control_entry": "ML9.a",
        "tech_transfer": TechTransfer.NONE,
    }
    return Product(**{**base, **changes})  # type: ignore[arg-type]


def test_sensitivity_names_the_whole_product_or_the_parts_asked_for() -> None:
    assert sensitivity(_product(), ["hull"]) is None
    assert (
        sensitivity(_product(sensitive=True), ["hull"]) == "Khvylia is marked sensitive technology"
    )
    parts = _product(sensitive_parts=["guidance", "warhead"])
    assert sensitivity(parts, ["hull"]) is None
    assert sensitivity(parts, ["warhead", "guidance"]) == (
        "the guidance, warhead of Khvylia are sensitive technology"
    )


def test_a_freeze_covers_its_category_or_prefix_on_entry_boundaries() -> None:
    naval = _product()
    by_category = ExportFreeze(
        scope=FreezeScope.CATEGORY, value="NAVAL_DRONE", reason="r", declared_by="o"
    )
    assert covers(by_category, naval) and not covers(
        by_category, _product(category=ProductCategory.SOFTWARE)
    )
    ml9 = ExportFreeze(
        scope=FreezeScope.CONTROL_ENTRY_PREFIX, value="ML9", reason="r", declared_by="o"
    )
    assert covers(ml9, naval)
    assert not covers(ml9, _product(control_entry="ML91"))
