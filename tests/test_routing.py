"""The routing engine, without a database: tiers, flags, TRIAGE, hard gates, explanations."""

import json
from dataclasses import asdict, replace
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from catalog.demo.catalogue import demo_catalogue
from catalog.licensing.routing import (
    FLAG_RE_EXPORT,
    FLAG_TECH_TRANSFER,
    GATE_EMBARGO,
    TRIAGE_QUEUE,
    QuoteFacts,
    Rule,
    condition_problems,
    control_entry_matches,
    route,
)

MONDAY = date(2026, 11, 23)
DEMO = [
    Rule.from_snapshot({**spec.columns(), "id": f"r{i}"})
    for i, spec in enumerate(demo_catalogue().routing_rules)
]

BASE = QuoteFacts(
    category="GROUND_DRONE",
    control_entry="ML6.a",
    tech_transfer="NONE",
    quantity=10,
    value_eur=Decimal("1000000"),
    partner_country="DE",
    delivery_country="DE",
    delivery_eu=True,
    delivery_nato=True,
    delivery_embargoed=False,
    co_production=False,
)


def rule(name: str, tier: int, conditions: dict, queue: str, **kw: object) -> Rule:
    return Rule(
        id=name,
        name=name,
        tier=tier,
        conditions=conditions,
        queue=queue,
        flags=tuple(kw.get("flags", ())),  # type: ignore[arg-type]
        sla_working_days=int(kw.get("sla", 10)),  # type: ignore[arg-type]
        approvals_required=int(kw.get("approvals", 1)),  # type: ignore[arg-type]
    )


def by_name(decision, name: str):  # type: ignore[no-untyped-def]
    return next(e for e in decision.explanation if e.rule_name == name)


def test_lowest_tier_picks_queue_and_flags_union_sla_min_approvals_max() -> None:
    rules = [
        rule("ground", 4, {"categories": ["GROUND_DRONE"]}, "GROUND", flags=["G"], sla=10),
        rule("eu", 3, {"destination_groups": ["EU"]}, "FAST", flags=["F"], sla=5),
        rule("big", 1, {"min_quantity": 5}, "SENIOR", flags=["BIG"], sla=15, approvals=2),
        rule("naval", 2, {"categories": ["NAVAL_DRONE"]}, "NAVAL", flags=["N"], sla=1),
    ]
    decision = route(BASE, rules, rule_set_version=7, submitted_on=MONDAY)
    assert decision.queue == "SENIOR"
    assert decision.queue_rule_id == "big"
    assert decision.flags == ("BIG", "F", "G")
    assert decision.sla_working_days == 5
    assert decision.sla_due_on == date(2026, 11, 30)
    assert decision.approvals_required == 2
    assert decision.rule_set_version == 7
    assert set(decision.matched_rule_ids) == {"ground", "eu", "big"}
    assert (
        by_name(decision, "naval").failed_condition == "category GROUND_DRONE not in [NAVAL_DRONE]"
    )


def test_tie_in_tier_goes_to_most_demanding_then_name() -> None:
    a = rule("a", 1, {}, "QA", approvals=1, sla=5)
    b = rule("b", 1, {}, "QB", approvals=2, sla=20)
    c = rule("c", 1, {}, "QC", approvals=2, sla=10)
    for order in ([a, b, c], [c, b, a], [b, a, c]):
        assert route(BASE, order, rule_set_version=1, submitted_on=MONDAY).queue == "QC"
    d = rule("d", 1, {}, "QD", approvals=2, sla=10)
    assert route(BASE, [d, c], rule_set_version=1, submitted_on=MONDAY).queue == "QC"


def test_no_match_goes_to_triage() -> None:
    rules = [rule("us only", 1, {"destination_countries": ["US"]}, "US_DESK")]
    decision = route(BASE, rules, rule_set_version=1, submitted_on=MONDAY)
    assert decision.queue == TRIAGE_QUEUE
    assert decision.queue_rule_id is None
    assert by_name(decision, "us only").failed_condition == "destination DE not in [US]"
    assert route(BASE, [], rule_set_version=1, submitted_on=MONDAY).queue == TRIAGE_QUEUE


def test_explanation_lists_every_rule_and_the_first_failed_condition() -> None:
    conditions = {"categories": ["SOFTWARE"], "control_entry_prefixes": ["ML21"]}
    rules = [
        rule("software", 2, conditions, "SW"),
        rule("qty", 1, {"min_quantity": 50, "categories": ["GROUND_DRONE"]}, "S"),
        rule("value", 1, {"min_value_eur": 5_000_000}, "S"),
        rule("tt", 1, {"tech_transfer": ["LICENSED_PRODUCTION"]}, "S"),
        rule("co", 1, {"co_production": True}, "S"),
        rule("re", 1, {"re_export": True}, "S"),
        rule("groups", 3, {"destination_groups": ["NATO"]}, "F"),
    ]
    facts = replace(BASE, delivery_nato=False, delivery_eu=False)
    decision = route(facts, rules, rule_set_version=1, submitted_on=MONDAY)
    rule_rows = [e for e in decision.explanation if e.rule_id is not None]
    assert [e.rule_name for e in rule_rows] == [
        "co",
        "qty",
        "re",
        "tt",
        "value",
        "software",
        "groups",
    ]
    assert all(not e.matched for e in rule_rows)
    failures = {e.rule_name: e.failed_condition for e in rule_rows}
    assert failures == {
        "software": "category GROUND_DRONE not in [SOFTWARE]",
        "qty": "quantity 10 below 50",
        "value": "value EUR 1,000,000 below 5,000,000",
        "tt": "technology transfer NONE not in [LICENSED_PRODUCTION]",
        "co": "co-production not requested",
        "re": "destination DE is the partner's own country",
        "groups": "destination DE in none of [NATO]",
    }
    gates = [e for e in decision.explanation if e.rule_id is None]
    assert len(gates) == 3 and all(g.tier == 0 and not g.matched for g in gates)


def test_gate_re_export_flags_even_without_rules() -> None:
    decision = route(
        replace(BASE, delivery_country="PL"), [], rule_set_version=1, submitted_on=MONDAY
    )
    assert FLAG_RE_EXPORT in decision.flags
    assert decision.queue == TRIAGE_QUEUE
    assert decision.approvals_required == 1


def test_gate_tech_transfer_needs_two_approvals() -> None:
    lax = [rule("all", 1, {}, "ANY", approvals=1)]
    for facts in (
        replace(BASE, tech_transfer="MAINTENANCE"),
        replace(BASE, tech_transfer="LICENSED_PRODUCTION"),
        replace(BASE, co_production=True),
    ):
        decision = route(facts, lax, rule_set_version=1, submitted_on=MONDAY)
        assert FLAG_TECH_TRANSFER in decision.flags
        assert decision.approvals_required == 2
    plain = route(BASE, lax, rule_set_version=1, submitted_on=MONDAY)
    assert FLAG_TECH_TRANSFER not in plain.flags and plain.approvals_required == 1


def test_gate_embargo_refuses_with_reason() -> None:
    facts = replace(
        BASE, delivery_country="RU", delivery_embargoed=True, delivery_eu=False, delivery_nato=False
    )
    decision = route(facts, DEMO, rule_set_version=1, submitted_on=MONDAY)
    assert decision.refused
    assert decision.refusal_reason == "delivery country RU is under an arms embargo"
    assert by_name(decision, GATE_EMBARGO).matched
    assert not route(BASE, DEMO, rule_set_version=1, submitted_on=MONDAY).refused


def test_control_entry_prefixes_match_on_boundaries() -> None:
    assert control_entry_matches("ML1", "ML1")
    assert control_entry_matches("ML1.a", "ML1")
    assert control_entry_matches("ml1a", "ML1")
    assert not control_entry_matches("ML11", "ML1")
    assert not control_entry_matches("ML11.a", "ML1")
    assert control_entry_matches("ML21.b.1", "ML21.b")
    assert not control_entry_matches("ML21.bc", "ML21.b")
    assert control_entry_matches("ML11.a", "ML")
    assert control_entry_matches("ML21.b", "ML21.")
    assert not control_entry_matches("ML2", "ML21")


def test_demo_rules_route_the_demo_cases() -> None:
    ground_eu = route(BASE, DEMO, rule_set_version=1, submitted_on=MONDAY)
    assert ground_eu.queue == "FAST_TRACK"
    software = replace(BASE, category="SOFTWARE", control_entry="ML21.b")
    assert route(software, DEMO, rule_set_version=1, submitted_on=MONDAY).queue == "SOFTWARE_REVIEW"
    ew = replace(BASE, control_entry="ML11.a")
    assert route(ew, DEMO, rule_set_version=1, submitted_on=MONDAY).queue == "SOFTWARE_REVIEW"
    licensed = replace(BASE, tech_transfer="LICENSED_PRODUCTION")
    decision = route(licensed, DEMO, rule_set_version=1, submitted_on=MONDAY)
    assert decision.queue == "TECH_TRANSFER_REVIEW" and decision.approvals_required == 2
    outside = replace(
        BASE,
        category="SOFTWARE",
        control_entry="ML99",
        delivery_country="JP",
        partner_country="JP",
        delivery_eu=False,
        delivery_nato=False,
    )
    assert route(outside, DEMO, rule_set_version=1, submitted_on=MONDAY).queue == TRIAGE_QUEUE


def test_unknown_price_counts_as_over_a_value_threshold() -> None:
    rules = [rule("value", 1, {"min_value_eur": 5_000_000}, "SENIOR")]
    facts = replace(BASE, value_eur=None)
    assert route(facts, rules, rule_set_version=1, submitted_on=MONDAY).queue == "SENIOR"


def test_rule_condition_validation() -> None:
    assert condition_problems({"categories": ["SOFTWARE"], "min_quantity": 3}) == []
    assert condition_problems({"colour": ["red"]}) == ["unknown condition colour"]
    assert condition_problems({"min_quantity": -1}) == ["min_quantity must be a whole number ≥ 0"]
    assert condition_problems({"co_production": "yes"}) == ["co_production must be true or false"]
    assert condition_problems({"categories": []}) == [
        "categories must be a non-empty list of strings"
    ]
    assert condition_problems({"destination_groups": ["G7"]}) == [
        "destination_groups must be among [EU, NATO]"
    ]
    unknown = [rule("odd", 1, {"colour": ["red"]}, "X")]
    decision = route(BASE, unknown, rule_set_version=1, submitted_on=MONDAY)
    assert decision.queue == TRIAGE_QUEUE
    assert by_name(decision, "odd").failed_condition == "unknown condition colour"


# ---------------------------------------------------------------- properties

codes = st.sampled_from(["DE", "PL", "US", "JP", "RU", "UA", "GB"])
facts_strategy = st.builds(
    QuoteFacts,
    category=st.sampled_from(["GROUND_DRONE", "NAVAL_DRONE", "SOFTWARE"]),
    control_entry=st.sampled_from(["ML1", "ML11.a", "ML21.b", "ML6.a", "ML9.a", "ML4.b"]),
    tech_transfer=st.sampled_from(["NONE", "MAINTENANCE", "LICENSED_PRODUCTION"]),
    quantity=st.integers(min_value=1, max_value=10_000),
    value_eur=st.one_of(st.none(), st.decimals(min_value=0, max_value=10**10, places=2)),
    partner_country=codes,
    delivery_country=codes,
    delivery_eu=st.booleans(),
    delivery_nato=st.booleans(),
    delivery_embargoed=st.booleans(),
    co_production=st.booleans(),
)
rule_strategy = st.builds(
    Rule,
    id=st.uuids().map(str),
    name=st.text(min_size=1, max_size=8),
    tier=st.integers(min_value=0, max_value=5),
    conditions=st.fixed_dictionaries(
        {},
        optional={
            "categories": st.lists(st.sampled_from(["GROUND_DRONE", "SOFTWARE"]), min_size=1),
            "min_quantity": st.integers(min_value=0, max_value=200),
            "destination_groups": st.lists(st.sampled_from(["EU", "NATO"]), min_size=1),
            "re_export": st.booleans(),
            "co_production": st.booleans(),
        },
    ),
    queue=st.sampled_from(["A", "B", "C"]),
    flags=st.lists(st.sampled_from(["X", "Y", "Z"]), max_size=2).map(tuple),
    sla_working_days=st.integers(min_value=1, max_value=30),
    approvals_required=st.integers(min_value=1, max_value=3),
)


@given(facts_strategy, st.lists(rule_strategy, max_size=6))
def test_every_quote_lands_in_exactly_one_queue_with_gate_flags(
    facts: QuoteFacts, rules: list[Rule]
) -> None:
    decision = route(facts, rules, rule_set_version=1, submitted_on=MONDAY)
    matching = [r for r in rules if r.id in decision.matched_rule_ids]
    assert len(decision.explanation) == len(rules) + 3
    if matching:
        lowest = min(r.tier for r in matching)
        assert decision.queue in {r.queue for r in matching if r.tier == lowest}
        assert decision.sla_working_days == min(r.sla_working_days for r in matching)
        assert {f for r in matching for f in r.flags} <= set(decision.flags)
    else:
        assert decision.queue == TRIAGE_QUEUE
    if facts.delivery_country != facts.partner_country:
        assert FLAG_RE_EXPORT in decision.flags
    if facts.tech_transfer != "NONE" or facts.co_production:
        assert FLAG_TECH_TRANSFER in decision.flags
    if FLAG_TECH_TRANSFER in decision.flags:
        assert decision.approvals_required >= 2
    assert decision.refused is facts.delivery_embargoed
    assert decision.sla_due_on > MONDAY


@given(facts_strategy, st.lists(rule_strategy, max_size=6), st.randoms())
def test_routing_does_not_depend_on_rule_order(facts: QuoteFacts, rules: list[Rule], rnd) -> None:  # type: ignore[no-untyped-def]
    shuffled = list(rules)
    rnd.shuffle(shuffled)
    first = route(facts, rules, rule_set_version=1, submitted_on=MONDAY)
    second = route(facts, shuffled, rule_set_version=1, submitted_on=MONDAY)
    assert (first.queue, first.flags, first.approvals_required) == (
        second.queue,
        second.flags,
        second.approvals_required,
    )


def test_stored_decision_carries_every_field_of_the_decision() -> None:
    """What a case stores (and the audit log hashes) is the whole decision, nothing dropped."""
    licensed = replace(BASE, tech_transfer="LICENSED_PRODUCTION", delivery_country="PL")
    decision = route(licensed, DEMO, rule_set_version=3, submitted_on=MONDAY)
    stored = decision.to_json()
    expected = asdict(decision)
    expected["sla_due_on"] = decision.sla_due_on.isoformat()
    expected["flags"] = list(decision.flags)
    expected["matched_rule_ids"] = list(decision.matched_rule_ids)
    expected["explanation"] = [asdict(e) for e in decision.explanation]
    assert stored == expected
    assert json.loads(json.dumps(stored)) == stored
