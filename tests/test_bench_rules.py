"""The benchmark's routing rule set: 200 valid rules, seeded, mostly not matching a typical
request, with the demo rules kept so that routing still lands every quote in a queue."""

from datetime import date
from decimal import Decimal

from bench.generate import CatalogueGenerator
from bench.rule_generator import TOTAL_RULES, generated_rule_specs
from catalog.core.countries import EU, NATO
from catalog.core.enums import ProductStatus
from catalog.demo.catalogue import demo_catalogue
from catalog.licensing.conditions import condition_problems
from catalog.licensing.routing import TRIAGE_QUEUE, QuoteFacts, Rule, route
from catalog.licensing.rules import RuleDraft, _problems


def _rules(seed: int = 1) -> list[Rule]:
    gen = CatalogueGenerator(10, seed)
    gen.organisations()
    _, version = gen.rules()
    return [Rule.from_snapshot(snapshot) for snapshot in version["rules"]]


def test_the_rule_set_holds_200_valid_rules_starting_with_the_demo_rules() -> None:
    rules = _rules()
    assert len(rules) == TOTAL_RULES == 200
    demo_rules = demo_catalogue().routing_rules
    assert [r.name for r in rules[: len(demo_rules)]] == [spec.name for spec in demo_rules]
    assert len({r.id for r in rules}) == len({r.name for r in rules}) == TOTAL_RULES
    for rule in rules:
        assert condition_problems(rule.conditions) == [], rule.name
        draft = RuleDraft(
            name=rule.name,
            tier=rule.tier,
            conditions=rule.conditions,
            queue=rule.queue,
            flags=list(rule.flags),
            sla_working_days=rule.sla_working_days,
            approvals_required=rule.approvals_required,
        )
        assert _problems(draft) == [], rule.name  # what createRoutingRule would accept


def test_rules_are_seeded() -> None:
    assert generated_rule_specs(3, 50) == generated_rule_specs(3, 50)
    assert generated_rule_specs(3, 50) != generated_rule_specs(4, 50)
    assert [r.id for r in _rules(3)] == [r.id for r in _rules(3)]


def _facts(product: dict, quantity: int = 1, country: str = "PL") -> QuoteFacts:
    price = product["unit_price_eur"]
    return QuoteFacts(
        category=str(product["category"]),
        control_entry=product["control_entry"],
        tech_transfer=str(product["tech_transfer"]),
        quantity=quantity,
        value_eur=Decimal(price) * quantity if price is not None else None,
        partner_country=country,
        delivery_country=country,
        delivery_eu=country in EU,
        delivery_nato=country in NATO,
        delivery_embargoed=False,
        delivery_listed=True,
        partner_embargoed=False,
        partner_listed=True,
        co_production=False,
    )


def test_a_typical_request_is_checked_against_every_rule_and_matches_few() -> None:
    gen = CatalogueGenerator(300, seed=1)
    gen.organisations()
    rules = _rules()
    published = [
        p
        for batch in gen.product_batches(batch_size=100)
        for p in batch.products
        if p["status"] is ProductStatus.PUBLISHED
    ]
    matched = 0
    for product in published:
        decision = route(_facts(product), rules, rule_set_version=1, submitted_on=date(2026, 3, 2))
        evaluated = [e for e in decision.explanation if e.rule_id is not None]
        assert len(evaluated) == TOTAL_RULES
        assert decision.queue != TRIAGE_QUEUE  # the demo rules still route it
        matched += sum(e.matched for e in evaluated)
    assert matched / (len(published) * TOTAL_RULES) < 0.05
    # A large order is where the thresholds start to bite.
    day = date(2026, 3, 2)
    small = route(_facts(published[0]), rules, rule_set_version=1, submitted_on=day)
    big = route(_facts(published[0], quantity=500), rules, rule_set_version=1, submitted_on=day)
    assert len(big.matched_rule_ids) > len(small.matched_rule_ids)
