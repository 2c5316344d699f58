"""The routing engine, without a database: queue precedence, tiers, flags, TRIAGE, hard gates,
explanations."""

import json
from dataclasses import asdict, replace
from datetime import date
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from catalog.core.json_columns import FloatFree, json_dumps
from catalog.demo.catalogue import demo_catalogue
from catalog.licensing.conditions import (
    PREFIX_ANSWERS_KEPT,
    condition_problems,
    control_entry_matches,
    prepared_checks,
)
from catalog.licensing.routing import (
    FLAG_EMBARGOED,
    FLAG_NOT_A_PARTNER_COUNTRY,
    FLAG_RE_EXPORT,
    FLAG_TECH_TRANSFER,
    GATE_EMBARGO,
    GATE_PARTNER_LIST,
    TRIAGE_QUEUE,
    QuoteFacts,
    Rule,
    route,
)

MONDAY = date(2026, 11, 23)
DEMO = [
    Rule.from_snapshot({**spec.columns(), "id": f"r{i}"})
    for i, spec in enumerate(demo_catalogue().routing_rules)
]
DEMO_PRECEDENCE = demo_catalogue().queue_precedence

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
    delivery_listed=True,
    partner_embargoed=False,
    partner_listed=True,
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


def test_lowest_tier_picks_queue_whose_own_rules_give_the_sla() -> None:
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
    # the queue's own SLA, never the shorter fast-track one of another matching rule
    assert decision.sla_working_days == 15
    assert decision.sla_due_on == date(2026, 12, 14)
    assert decision.approvals_required == 2
    assert decision.rule_set_version == 7
    assert set(decision.matched_rule_ids) == {"ground", "eu", "big"}
    assert decision.queue_reason.startswith("SENIOR comes from the lowest matching tier (1)")
    assert (
        by_name(decision, "naval").failed_condition == "category GROUND_DRONE not in [NAVAL_DRONE]"
    )


def test_queue_precedence_beats_tiers_and_brings_its_own_sla() -> None:
    rules = [
        rule("fast", 0, {"destination_groups": ["EU"]}, "FAST", sla=5),
        rule("tt", 3, {"min_quantity": 1}, "TECH", sla=20, approvals=2),
        rule("tt short", 3, {"min_quantity": 5}, "TECH", sla=18, approvals=1),
        rule("senior", 2, {"min_quantity": 1}, "SENIOR", sla=15, approvals=3),
    ]
    decision = route(
        BASE, rules, rule_set_version=2, submitted_on=MONDAY, queue_precedence=["TECH", "SENIOR"]
    )
    assert decision.queue == "TECH"
    assert decision.sla_working_days == 18  # the shortest of TECH's own matching rules
    assert decision.approvals_required == 3  # approvals stay the highest of all matching rules
    assert decision.queue_reason == "TECH has precedence over FAST and SENIOR"
    # unlisted queues rank below every listed one; between unlisted ones the tier decides
    only_senior = route(
        BASE, rules, rule_set_version=2, submitted_on=MONDAY, queue_precedence=["SENIOR"]
    )
    assert only_senior.queue == "SENIOR" and only_senior.sla_working_days == 15
    unlisted = route(BASE, rules, rule_set_version=2, submitted_on=MONDAY, queue_precedence=["X"])
    assert unlisted.queue == "FAST" and unlisted.sla_working_days == 5
    assert "lowest matching tier (0)" in unlisted.queue_reason
    alone = route(BASE, rules[:1], rule_set_version=2, submitted_on=MONDAY)
    assert alone.queue_reason == "only rules of FAST matched"
    nothing = route(BASE, [], rule_set_version=2, submitted_on=MONDAY)
    assert nothing.queue_reason == "no rule matched: TRIAGE (fail closed)"


def test_demo_tech_transfer_with_co_production_is_reviewed_as_technology_transfer() -> None:
    """Licensed production with co-production, delivered to a third country: it matches the
    20-day technology-transfer rules, the re-export rule (SENIOR_REVIEW, 15 days) and the
    EU/NATO fast track (5 days). The demo precedence sends it to TECH_TRANSFER_REVIEW with
    that queue's 20 days."""
    facts = replace(
        BASE, tech_transfer="LICENSED_PRODUCTION", co_production=True, delivery_country="PL"
    )
    decision = route(
        facts, DEMO, rule_set_version=1, submitted_on=MONDAY, queue_precedence=DEMO_PRECEDENCE
    )
    assert decision.queue == "TECH_TRANSFER_REVIEW"
    assert decision.sla_working_days == 20
    assert decision.approvals_required == 2
    assert {"TECH_TRANSFER", "CO_PRODUCTION", "RE_EXPORT", "END_USE_CHECK"} <= set(decision.flags)
    assert decision.queue_reason == (
        "TECH_TRANSFER_REVIEW has precedence over FAST_TRACK, GROUND_SYSTEMS and SENIOR_REVIEW"
    )
    # without precedence (old rule-set versions) the tier order still decides the queue
    old = route(facts, DEMO, rule_set_version=1, submitted_on=MONDAY)
    assert old.queue == "SENIOR_REVIEW" and old.sla_working_days == 15


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
    assert len(gates) == 4 and all(g.tier == 0 and not g.matched for g in gates)


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
    assert FLAG_EMBARGOED in decision.flags
    assert not route(BASE, DEMO, rule_set_version=1, submitted_on=MONDAY).refused
    # the partner's own country counts as much as the destination
    partner = replace(BASE, partner_country="BY", partner_embargoed=True, partner_listed=False)
    decision = route(partner, DEMO, rule_set_version=1, submitted_on=MONDAY)
    assert decision.refused and by_name(decision, GATE_EMBARGO).matched
    assert decision.refusal_reason == "partner country BY is under an arms embargo"


def test_gate_partner_country_list_refuses_with_reason() -> None:
    facts = replace(BASE, delivery_country="JP", delivery_listed=False, delivery_eu=False)
    decision = route(facts, DEMO, rule_set_version=1, submitted_on=MONDAY)
    assert decision.refused
    assert decision.refusal_reason == (
        "delivery country JP is not one of the programme's partner countries"
    )
    assert by_name(decision, GATE_PARTNER_LIST).matched
    assert {FLAG_NOT_A_PARTNER_COUNTRY, FLAG_RE_EXPORT} <= set(decision.flags)
    listed = by_name(route(BASE, DEMO, rule_set_version=1, submitted_on=MONDAY), GATE_PARTNER_LIST)
    assert listed.failed_condition == "DE is on the partner-country list"
    both = route(
        replace(BASE, delivery_country="PL"), DEMO, rule_set_version=1, submitted_on=MONDAY
    )
    assert by_name(both, GATE_EMBARGO).failed_condition == "DE and PL are not under an arms embargo"


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
    delivery_listed=st.booleans(),
    partner_embargoed=st.booleans(),
    partner_listed=st.booleans(),
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


precedence_strategy = st.lists(st.sampled_from(["A", "B", "C"]), unique=True, max_size=3)


@given(facts_strategy, st.lists(rule_strategy, max_size=6), precedence_strategy)
def test_every_quote_lands_in_exactly_one_queue_with_gate_flags(
    facts: QuoteFacts, rules: list[Rule], precedence: list[str]
) -> None:
    decision = route(
        facts, rules, rule_set_version=1, submitted_on=MONDAY, queue_precedence=precedence
    )
    matching = [r for r in rules if r.id in decision.matched_rule_ids]
    assert len(decision.explanation) == len(rules) + 4
    if matching:
        queues = {r.queue for r in matching}
        listed = [q for q in precedence if q in queues]
        if listed:
            assert decision.queue == listed[0]
        else:
            lowest = min(r.tier for r in matching)
            assert decision.queue in {r.queue for r in matching if r.tier == lowest}
        own = [r.sla_working_days for r in matching if r.queue == decision.queue]
        assert decision.sla_working_days == min(own)
        assert decision.approvals_required >= max(r.approvals_required for r in matching)
        assert {f for r in matching for f in r.flags} <= set(decision.flags)
        assert decision.queue_reason
    else:
        assert decision.queue == TRIAGE_QUEUE
    if facts.delivery_country != facts.partner_country:
        assert FLAG_RE_EXPORT in decision.flags
    if facts.tech_transfer != "NONE" or facts.co_production:
        assert FLAG_TECH_TRANSFER in decision.flags
    if FLAG_TECH_TRANSFER in decision.flags:
        assert decision.approvals_required >= 2
    gated = facts.delivery_embargoed or facts.partner_embargoed
    gated = gated or not (facts.delivery_listed and facts.partner_listed)
    assert decision.refused is gated
    assert (decision.refusal_reason is not None) is gated
    assert decision.sla_due_on > MONDAY


@given(facts_strategy, st.lists(rule_strategy, max_size=6), precedence_strategy, st.randoms())
def test_routing_does_not_depend_on_rule_order(
    facts: QuoteFacts,
    rules: list[Rule],
    precedence: list[str],
    rnd,  # type: ignore[no-untyped-def]
) -> None:
    shuffled = list(rules)
    rnd.shuffle(shuffled)
    kw = {"rule_set_version": 1, "submitted_on": MONDAY, "queue_precedence": precedence}
    first = route(facts, rules, **kw)  # type: ignore[arg-type]
    second = route(facts, shuffled, **kw)  # type: ignore[arg-type]
    assert (first.queue, first.flags, first.approvals_required, first.sla_working_days) == (
        second.queue,
        second.flags,
        second.approvals_required,
        second.sla_working_days,
    )
    assert first.queue_reason == second.queue_reason


def _floats_in(value: object) -> list[float]:
    if isinstance(value, float):
        return [value]
    if isinstance(value, dict):
        return [f for item in value.values() for f in _floats_in(item)]
    if isinstance(value, list | tuple):
        return [f for item in value for f in _floats_in(item)]
    return []


@given(facts_strategy, st.lists(rule_strategy, max_size=6), precedence_strategy)
def test_a_stored_decision_holds_no_float(
    facts: QuoteFacts, rules: list[Rule], precedence: list[str]
) -> None:
    """A case's decision is written without the column's check for NaN
    (catalog/core/json_columns.py `FloatFree`): safe because nothing in it is a float."""
    decision = route(
        facts, rules, rule_set_version=1, submitted_on=MONDAY, queue_precedence=precedence
    )
    stored = decision.to_json()
    assert isinstance(stored, FloatFree)
    assert _floats_in(stored) == []
    assert json.loads(json_dumps(stored)) == json.loads(json.dumps(stored))


def test_stored_decision_carries_every_field_of_the_decision() -> None:
    """What a case stores (and the audit log hashes) is the whole decision, nothing dropped."""
    licensed = replace(BASE, tech_transfer="LICENSED_PRODUCTION", delivery_country="PL")
    decision = route(licensed, DEMO, rule_set_version=3, submitted_on=MONDAY)
    stored = decision.to_json()
    expected = asdict(decision)
    expected["sla_due_on"] = decision.sla_due_on.isoformat()
    expected["flags"] = list(decision.flags)
    expected["matched_rule_ids"] = list(decision.matched_rule_ids)
    expected["explanation"] = [e._asdict() for e in decision.explanation]
    expected["value_eur"] = str(decision.value_eur)
    expected["requires_documents"] = list(decision.requires_documents)
    assert stored == expected
    assert json.loads(json.dumps(stored)) == stored


def test_documents_required_are_those_of_the_chosen_queue() -> None:
    """The demo rules ask for an end-user certificate everywhere but the EU/NATO fast track;
    a rule of another queue that also matched adds no requirement."""
    fast = route(
        BASE, DEMO, rule_set_version=1, submitted_on=MONDAY, queue_precedence=DEMO_PRECEDENCE
    )
    assert fast.queue == "FAST_TRACK" and fast.requires_documents == ()
    many = replace(BASE, quantity=60)
    senior = route(
        many, DEMO, rule_set_version=1, submitted_on=MONDAY, queue_precedence=DEMO_PRECEDENCE
    )
    assert senior.queue == "SENIOR_REVIEW"
    assert senior.requires_documents == ("END_USER_CERTIFICATE",)
    assert senior.to_json()["requires_documents"] == ["END_USER_CERTIFICATE"]
    rules = [
        replace(
            rule("wants two", 1, {}, "A"), requires_documents=("END_USER_CERTIFICATE", "OFFER")
        ),
        replace(rule("other queue", 2, {}, "B"), requires_documents=("LICENCE",)),
    ]
    decision = route(BASE, rules, rule_set_version=1, submitted_on=MONDAY)
    assert decision.queue == "A"
    assert decision.requires_documents == ("END_USER_CERTIFICATE", "OFFER")
    # Snapshots written before rules could require documents require none.
    old = {"name": "n", "tier": 0, "queue": "Q", "sla_working_days": 1}
    assert Rule.from_snapshot(old).requires_documents == ()


def test_a_prefix_check_answers_each_entry_as_the_first_time_once_its_answers_are_kept() -> None:
    """A prefix check keeps its answer per control entry, and starts again past its limit:
    every answer, first or kept, is the one the prefixes give."""
    [check] = prepared_checks({"control_entry_prefixes": ["ML1", "ml21.b"]})
    entries = [f"ML{n}{suffix}" for n in range(1, 30) for suffix in ("", ".a", "b", ".b.1")]
    entries += ["ml2", "ML2", " Ml2 "]  # one entry spelt three ways: each failure quotes its own
    entries += [f" ml21.b.{n} " for n in range(PREFIX_ANSWERS_KEPT + 10)]
    for _ in range(2):  # the second pass is answered from what the first kept (and cleared)
        for entry in entries:
            facts = replace(BASE, control_entry=entry)
            matches = control_entry_matches(entry, "ML1") or control_entry_matches(entry, "ml21.b")
            expected = None if matches else f"control entry {entry} not under [ML1, ml21.b]"
            assert check(facts) == expected
