"""The routing engine: a pure function from a quote's facts and a rule set to a decision.

How a quote is routed (no database, no clock: everything comes in as arguments):

1. Hard gates, before any rule:
   - delivery country is embargoed → the quote is refused automatically, reason recorded;
   - delivery country differs from the partner's country → flag RE_EXPORT;
   - technology transfer other than NONE, or co-production → flag TECH_TRANSFER and at least
     two approvals (four-eyes).
2. Every rule is evaluated. A rule's conditions are an AND; the conditions are checked in the
   order of CONDITION_ORDER and the first one that fails is recorded in human-readable form.
   A list inside a condition is an OR ("categories": ["A", "B"] matches A or B).
3. Of the matching rules the lowest tier picks the queue. Ties within that tier go to the most
   demanding rule: more approvals first, then the shorter SLA, then name, then id — a stable
   order that does not depend on how the rules were stored.
   All matching rules add their flags; the SLA is the shortest and the approvals the highest
   among the matching rules (and never below what the gates require).
4. No rule matches → queue TRIAGE (fail closed): a person decides where it belongs.

Control-entry prefixes match on entry boundaries: the prefix must be followed by the end of the
entry, a "." separator, or a change between letters and digits. So "ML1" matches "ML1", "ML1.a"
and "ML1a" but not "ML11"; "ML21.b" matches "ML21.b.1" but not "ML21.bc"; matching ignores case.
A value threshold on a product without a price is treated as met (unknown value → more review).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from catalog.core.countries import is_iso_country
from catalog.core.enums import ProductCategory, TechTransfer
from catalog.licensing.sla import due_date

TRIAGE_QUEUE = "TRIAGE"
TRIAGE_SLA_WORKING_DAYS = 5
FLAG_RE_EXPORT = "RE_EXPORT"
FLAG_TECH_TRANSFER = "TECH_TRANSFER"
FLAG_EMBARGOED = "EMBARGOED"
FOUR_EYES = 2
DESTINATION_GROUPS = ("EU", "NATO")

GATE_EMBARGO = "Hard gate: embargoed destination"
GATE_RE_EXPORT = "Hard gate: delivery outside the partner's country"
GATE_TECH_TRANSFER = "Hard gate: technology transfer or co-production"


@dataclass(frozen=True, slots=True)
class QuoteFacts:
    category: str
    control_entry: str
    tech_transfer: str
    quantity: int
    value_eur: Decimal | None
    partner_country: str
    delivery_country: str
    delivery_eu: bool
    delivery_nato: bool
    delivery_embargoed: bool
    co_production: bool

    @property
    def re_export(self) -> bool:
        return self.delivery_country != self.partner_country

    @property
    def transfers_technology(self) -> bool:
        return self.tech_transfer != "NONE" or self.co_production


@dataclass(frozen=True, slots=True)
class Rule:
    id: str | None
    name: str
    tier: int
    conditions: dict[str, Any]
    queue: str
    flags: tuple[str, ...]
    sla_working_days: int
    approvals_required: int

    @classmethod
    def from_snapshot(cls, data: dict[str, Any]) -> "Rule":
        return cls(
            id=data.get("id"),
            name=str(data["name"]),
            tier=int(data["tier"]),
            conditions=dict(data.get("conditions") or {}),
            queue=str(data["queue"]),
            flags=tuple(data.get("flags") or ()),
            sla_working_days=int(data["sla_working_days"]),
            approvals_required=int(data.get("approvals_required", 1)),
        )


@dataclass(frozen=True, slots=True)
class RuleEvaluation:
    rule_id: str | None
    rule_name: str
    tier: int
    matched: bool
    failed_condition: str | None


@dataclass(frozen=True, slots=True)
class RoutingDecision:
    queue: str
    flags: tuple[str, ...]
    sla_working_days: int
    sla_due_on: date
    approvals_required: int
    explanation: tuple[RuleEvaluation, ...]
    rule_set_version: int
    queue_rule_id: str | None = None
    refused: bool = False
    refusal_reason: str | None = None
    matched_rule_ids: tuple[str | None, ...] = field(default=())

    def to_json(self) -> dict[str, Any]:
        # Field by field rather than dataclasses.asdict, whose deep copy of two hundred
        # evaluations was the largest single cost of routing a quote.
        return {
            "queue": self.queue,
            "flags": list(self.flags),
            "sla_working_days": self.sla_working_days,
            "sla_due_on": self.sla_due_on.isoformat(),
            "approvals_required": self.approvals_required,
            "explanation": [
                {
                    "rule_id": e.rule_id,
                    "rule_name": e.rule_name,
                    "tier": e.tier,
                    "matched": e.matched,
                    "failed_condition": e.failed_condition,
                }
                for e in self.explanation
            ],
            "rule_set_version": self.rule_set_version,
            "queue_rule_id": self.queue_rule_id,
            "refused": self.refused,
            "refusal_reason": self.refusal_reason,
            "matched_rule_ids": list(self.matched_rule_ids),
        }


# ---------------------------------------------------------------- conditions


def _listed(values: Iterable[Any]) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def control_entry_matches(entry: str, prefix: str) -> bool:
    entry, prefix = entry.strip().upper(), prefix.strip().upper().rstrip(".")
    if not prefix or not entry.startswith(prefix):
        return False
    if len(entry) == len(prefix):
        return True
    before, after = prefix[-1], entry[len(prefix)]
    return after == "." or before.isdigit() != after.isdigit()


def _categories(facts: QuoteFacts, wanted: list[str]) -> str | None:
    if facts.category in wanted:
        return None
    return f"category {facts.category} not in {_listed(wanted)}"


def _prefixes(facts: QuoteFacts, wanted: list[str]) -> str | None:
    if any(control_entry_matches(facts.control_entry, p) for p in wanted):
        return None
    return f"control entry {facts.control_entry} not under {_listed(wanted)}"


def _countries(facts: QuoteFacts, wanted: list[str]) -> str | None:
    if facts.delivery_country in wanted:
        return None
    return f"destination {facts.delivery_country} not in {_listed(wanted)}"


def _groups(facts: QuoteFacts, wanted: list[str]) -> str | None:
    member = {"EU": facts.delivery_eu, "NATO": facts.delivery_nato}
    if any(member.get(group, False) for group in wanted):
        return None
    return f"destination {facts.delivery_country} in none of {_listed(wanted)}"


def _min_quantity(facts: QuoteFacts, minimum: int) -> str | None:
    if facts.quantity >= minimum:
        return None
    return f"quantity {facts.quantity} below {minimum}"


def _min_value(facts: QuoteFacts, minimum: int | float | str) -> str | None:
    if facts.value_eur is None or facts.value_eur >= Decimal(str(minimum)):
        return None
    return f"value EUR {facts.value_eur:,.0f} below {Decimal(str(minimum)):,.0f}"


def _tech_transfer(facts: QuoteFacts, wanted: list[str]) -> str | None:
    if facts.tech_transfer in wanted:
        return None
    return f"technology transfer {facts.tech_transfer} not in {_listed(wanted)}"


def _co_production(facts: QuoteFacts, wanted: bool) -> str | None:
    if facts.co_production == wanted:
        return None
    return "co-production requested" if facts.co_production else "co-production not requested"


def _re_export(facts: QuoteFacts, wanted: bool) -> str | None:
    if facts.re_export == wanted:
        return None
    if facts.re_export:
        return f"destination {facts.delivery_country} differs from partner country"
    return f"destination {facts.delivery_country} is the partner's own country"


Check = Callable[[QuoteFacts, Any], str | None]
# The order in which conditions are checked, and so which failure an explanation names.
CONDITION_ORDER: tuple[tuple[str, Check], ...] = (
    ("categories", _categories),
    ("control_entry_prefixes", _prefixes),
    ("destination_countries", _countries),
    ("destination_groups", _groups),
    ("min_quantity", _min_quantity),
    ("min_value_eur", _min_value),
    ("tech_transfer", _tech_transfer),
    ("co_production", _co_production),
    ("re_export", _re_export),
)
CONDITION_KEYS = frozenset(key for key, _ in CONDITION_ORDER)


def first_failure(facts: QuoteFacts, conditions: dict[str, Any]) -> str | None:
    """None when every condition holds; otherwise the first failing one, in words."""
    unknown = sorted(set(conditions) - CONDITION_KEYS)
    if unknown:
        # A rule we cannot read never matches silently; rule validation prevents this.
        return f"unknown condition {unknown[0]}"
    for key, check in CONDITION_ORDER:
        if key in conditions:
            failure = check(facts, conditions[key])
            if failure is not None:
                return failure
    return None


# ---------------------------------------------------------------- routing


def _gates(facts: QuoteFacts) -> list[RuleEvaluation]:
    embargo = None if facts.delivery_embargoed else f"{facts.delivery_country} is not embargoed"
    re_export = (
        None
        if facts.re_export
        else f"destination {facts.delivery_country} is the partner's own country"
    )
    transfer = (
        None
        if facts.transfers_technology
        else f"technology transfer {facts.tech_transfer} and no co-production"
    )
    return [
        RuleEvaluation(None, name, 0, failure is None, failure)
        for name, failure in (
            (GATE_EMBARGO, embargo),
            (GATE_RE_EXPORT, re_export),
            (GATE_TECH_TRANSFER, transfer),
        )
    ]


def queue_order(rule: Rule) -> tuple[int, int, int, str, str]:
    return (rule.tier, -rule.approvals_required, rule.sla_working_days, rule.name, rule.id or "")


def route(
    facts: QuoteFacts, rules: Iterable[Rule], *, rule_set_version: int, submitted_on: date
) -> RoutingDecision:
    ordered = sorted(rules, key=queue_order)
    evaluations = _gates(facts)
    matching: list[Rule] = []
    for rule in ordered:
        failure = first_failure(facts, rule.conditions)
        evaluations.append(RuleEvaluation(rule.id, rule.name, rule.tier, failure is None, failure))
        if failure is None:
            matching.append(rule)

    flags: set[str] = set()
    minimum_approvals = 1
    if facts.re_export:
        flags.add(FLAG_RE_EXPORT)
    if facts.transfers_technology:
        flags.add(FLAG_TECH_TRANSFER)
        minimum_approvals = FOUR_EYES
    if facts.delivery_embargoed:
        flags.add(FLAG_EMBARGOED)

    if matching:
        chosen: Rule | None = matching[0]  # `ordered` puts the queue's rule first
        queue = matching[0].queue
        sla = min(r.sla_working_days for r in matching)
        approvals = max(r.approvals_required for r in matching)
        for rule in matching:
            flags.update(rule.flags)
    else:
        chosen, queue, sla, approvals = None, TRIAGE_QUEUE, TRIAGE_SLA_WORKING_DAYS, 1

    return RoutingDecision(
        queue=queue,
        flags=tuple(sorted(flags)),
        sla_working_days=sla,
        sla_due_on=due_date(submitted_on, sla),
        approvals_required=max(approvals, minimum_approvals),
        explanation=tuple(evaluations),
        rule_set_version=rule_set_version,
        queue_rule_id=chosen.id if chosen else None,
        refused=facts.delivery_embargoed,
        refusal_reason=(
            f"delivery country {facts.delivery_country} is under an arms embargo"
            if facts.delivery_embargoed
            else None
        ),
        matched_rule_ids=tuple(r.id for r in matching),
    )


# ---------------------------------------------------------------- rule validation


ALLOWED_VALUES: dict[str, frozenset[str]] = {
    "categories": frozenset(ProductCategory),
    "tech_transfer": frozenset(TechTransfer),
    "destination_groups": frozenset(DESTINATION_GROUPS),
}


def _is_str_list(value: Any) -> bool:
    return isinstance(value, list) and bool(value) and all(isinstance(v, str) for v in value)


def _is_count(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 0


def condition_problems(conditions: dict[str, Any]) -> list[str]:
    """What is wrong with a rule's conditions, as messages (empty when valid)."""
    problems = [f"unknown condition {key}" for key in sorted(set(conditions) - CONDITION_KEYS)]
    for key, value in conditions.items():
        if key in ("min_quantity", "min_value_eur"):
            if not _is_count(value):
                problems.append(f"{key} must be a whole number ≥ 0")
        elif key in ("co_production", "re_export"):
            if not isinstance(value, bool):
                problems.append(f"{key} must be true or false")
        elif key in CONDITION_KEYS and not _is_str_list(value):
            problems.append(f"{key} must be a non-empty list of strings")
        elif key in ALLOWED_VALUES and not set(value) <= ALLOWED_VALUES[key]:
            problems.append(f"{key} must be among {_listed(sorted(ALLOWED_VALUES[key]))}")
        elif key == "destination_countries" and not all(is_iso_country(v) for v in value):
            problems.append("destination_countries must be ISO 3166-1 alpha-2 codes")
    return problems
