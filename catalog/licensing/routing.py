"""The routing engine: a pure function from a quote's facts and a rule set to a decision.

How a quote is routed (no database, no clock: everything comes in as arguments):

1. Hard gates, before any rule:
   - the partner's or the delivery country is embargoed → refused automatically, reason
     recorded (flag EMBARGOED);
   - the partner's or the delivery country is off the programme's partner-country list →
     refused automatically, reason recorded (flag NOT_A_PARTNER_COUNTRY);
   - delivery country differs from the partner's country → flag RE_EXPORT;
   - technology transfer other than NONE, or co-production → flag TECH_TRANSFER and at least
     two approvals (four-eyes);
   - delivery through an export centre → flag VIA_EXPORT_CENTRE: the centre's country is a
     transit country (refused like the others when embargoed or off the list); the final
     destination is still the delivery country, so RE_EXPORT only when that differs;
   - production abroad of sensitive technology → refused automatically (flag SENSITIVE).
2. Every rule is evaluated (conditions: catalog/licensing/conditions.py); the first failing
   condition of each rule is recorded in words.
3. Of the matching rules, the queue with the highest precedence in the rule set's
   `queue_precedence` wins; queues not in the list rank below every listed one. Among those,
   the lowest tier wins, then the most demanding rule: more approvals, then the shorter SLA,
   then name, then id — a stable order that does not depend on how the rules were stored.
   The documents the case must carry are those required by the matching rules of the winning
   queue (catalog/licensing/documents.py).
   The SLA is that of the winning queue's own rules (the shortest among them), never a
   shorter one from a rule of another queue; `queue_reason` says why that queue was chosen.
   All matching rules add their flags; the approvals are the highest among the matching rules
   (and never below what the gates require).
4. No rule matches → queue TRIAGE (fail closed): a person decides where it belongs.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from operator import attrgetter
from typing import Any, NamedTuple

from catalog.core.json_columns import FloatFree
from catalog.licensing.conditions import Check, QuoteFacts, failure_of, prepared_checks
from catalog.licensing.sla import due_date

__all__ = ["QuoteFacts", "RoutingDecision", "Rule", "RuleEvaluation", "route"]

TRIAGE_QUEUE = "TRIAGE"
TRIAGE_SLA_WORKING_DAYS = 5
FLAG_RE_EXPORT = "RE_EXPORT"
FLAG_TECH_TRANSFER = "TECH_TRANSFER"
FLAG_EMBARGOED = "EMBARGOED"
FLAG_NOT_A_PARTNER_COUNTRY = "NOT_A_PARTNER_COUNTRY"
FLAG_VIA_EXPORT_CENTRE = "VIA_EXPORT_CENTRE"
FLAG_SENSITIVE = "SENSITIVE_TECHNOLOGY"
FOUR_EYES = 2

GATE_EMBARGO = "Hard gate: embargoed partner or delivery country"
GATE_PARTNER_LIST = "Hard gate: partner or delivery country off the partner-country list"
GATE_RE_EXPORT = "Hard gate: delivery outside the partner's country"
GATE_TECH_TRANSFER = "Hard gate: technology transfer or co-production"
GATE_EXPORT_CENTRE = "Hard gate: delivery through an export centre"
GATE_SENSITIVE = "Hard gate: sensitive technology is never produced abroad"


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
    requires_documents: tuple[str, ...] = ()
    # The conditions prepared for checking, once per rule (conditions.py).
    checks: tuple[Check, ...] = field(init=False, repr=False, compare=False)
    # Its place in the queue order (`queue_order`), worked out once per rule.
    order: tuple[int, int, int, str, str] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "checks", prepared_checks(self.conditions))
        object.__setattr__(self, "order", queue_order(self))

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
            requires_documents=tuple(data.get("requires_documents") or ()),
        )


class RuleEvaluation(NamedTuple):
    """One line of a decision's explanation. Immutable like the decision, and a named tuple
    rather than a frozen dataclass: a quote makes one per rule, and a frozen dataclass's
    constructor cost three times as much (about 0.3 ms of a quote at two hundred rules)."""

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
    queue_reason: str = ""
    value_eur: Decimal | None = None
    requires_documents: tuple[str, ...] = ()

    def to_json(self) -> FloatFree:
        # Field by field rather than dataclasses.asdict, whose deep copy of two hundred
        # evaluations was the largest single cost of routing a quote. No float anywhere (the
        # value in EUR is written as a string), so the column is written without the check
        # for NaN.
        return FloatFree(
            {
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
                "queue_reason": self.queue_reason,
                "value_eur": None if self.value_eur is None else str(self.value_eur),
                "requires_documents": list(self.requires_documents),
            }
        )


# ---------------------------------------------------------------- gates


def _countries_of(facts: QuoteFacts, partner: bool, delivery: bool) -> list[str]:
    found = [facts.partner_country] if partner else []
    if delivery and facts.delivery_country not in found:
        found.append(facts.delivery_country)
    return found


def _countries(facts: QuoteFacts) -> str:
    if facts.re_export:
        return f"{facts.partner_country} and {facts.delivery_country} are"
    return f"{facts.partner_country} is"


def _refusals(facts: QuoteFacts) -> list[str]:
    """Why a hard gate refuses the quote, in words (empty when no gate refuses)."""
    reasons = []
    embargoed = _countries_of(facts, facts.partner_embargoed, facts.delivery_embargoed)
    off_list = _countries_of(facts, not facts.partner_listed, not facts.delivery_listed)
    for code in embargoed:
        role = "delivery" if code == facts.delivery_country else "partner"
        reasons.append(f"{role} country {code} is under an arms embargo")
    for code in off_list:
        if code in embargoed:
            continue
        role = "delivery" if code == facts.delivery_country else "partner"
        reasons.append(f"{role} country {code} is not one of the programme's partner countries")
    if facts.transit_country and facts.transit_embargoed:
        reasons.append(f"transit country {facts.transit_country} is under an arms embargo")
    elif facts.transit_country and not facts.transit_listed:
        reasons.append(
            f"transit country {facts.transit_country} is not one of the programme's partner "
            "countries"
        )
    if facts.production_abroad and facts.sensitive_technology:
        reasons.append(
            f"sensitive technology is never licensed abroad: {facts.sensitive_technology}"
        )
    return reasons


def _programme_gates(facts: QuoteFacts) -> list[RuleEvaluation]:
    """Gates that apply only to some requests, so other explanations stay as they were."""
    found = []
    if facts.transit_country:
        name = (
            f"{GATE_EXPORT_CENTRE}: transit through {facts.transit_country}, final destination "
            f"{facts.delivery_country}"
        )
        found.append(RuleEvaluation(None, name, 0, True, None))
    if facts.production_abroad:
        failure = None if facts.sensitive_technology else "no sensitive technology involved"
        found.append(RuleEvaluation(None, GATE_SENSITIVE, 0, failure is None, failure))
    return found


def _gates(facts: QuoteFacts) -> list[RuleEvaluation]:
    embargoed = facts.partner_embargoed or facts.delivery_embargoed
    off_list = not (facts.partner_listed and facts.delivery_listed)
    embargo = None if embargoed else f"{_countries(facts)} not under an arms embargo"
    listed = None if off_list else f"{_countries(facts)} on the partner-country list"
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
            (GATE_PARTNER_LIST, listed),
            (GATE_RE_EXPORT, re_export),
            (GATE_TECH_TRANSFER, transfer),
        )
    ] + _programme_gates(facts)


def _gate_flags(facts: QuoteFacts) -> set[str]:
    flags: set[str] = set()
    if facts.re_export:
        flags.add(FLAG_RE_EXPORT)
    if facts.transfers_technology:
        flags.add(FLAG_TECH_TRANSFER)
    if facts.partner_embargoed or facts.delivery_embargoed:
        flags.add(FLAG_EMBARGOED)
    if not (facts.partner_listed and facts.delivery_listed and facts.transit_listed):
        flags.add(FLAG_NOT_A_PARTNER_COUNTRY)
    if facts.transit_country:
        flags.add(FLAG_VIA_EXPORT_CENTRE)
        if facts.transit_embargoed:
            flags.add(FLAG_EMBARGOED)
    if facts.production_abroad and facts.sensitive_technology:
        flags.add(FLAG_SENSITIVE)
    return flags


# ---------------------------------------------------------------- the queue


_ORDER = attrgetter("order")


def queue_order(rule: Rule) -> tuple[int, int, int, str, str]:
    return (rule.tier, -rule.approvals_required, rule.sla_working_days, rule.name, rule.id or "")


def _listed(names: Iterable[str]) -> str:
    items = sorted(names)
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


def _queue_reason(chosen: Rule, matching: list[Rule], rank: dict[str, int]) -> str:
    others = {r.queue for r in matching} - {chosen.queue}
    if not others:
        return f"only rules of {chosen.queue} matched"
    if chosen.queue in rank:
        return f"{chosen.queue} has precedence over {_listed(others)}"
    # No listed queue matched (a listed one would have won): the tier order decides.
    lowest_other = min(r.tier for r in matching if r.queue != chosen.queue)
    if chosen.tier < lowest_other:
        return (
            f"{chosen.queue} comes from the lowest matching tier ({chosen.tier}); "
            f"{_listed(others)} from tier {lowest_other} or above (no queue precedence applies)"
        )
    return (
        f"{chosen.queue} and {_listed(others)} share tier {chosen.tier}; the more demanding rule "
        "wins (more approvals, then the shorter SLA)"
    )


def route(
    facts: QuoteFacts,
    rules: Iterable[Rule],
    *,
    rule_set_version: int,
    submitted_on: date,
    queue_precedence: Sequence[str] = (),
) -> RoutingDecision:
    ordered = sorted(rules, key=_ORDER)
    evaluations = _gates(facts)
    matching: list[Rule] = []
    for rule in ordered:
        failure = failure_of(facts, rule.checks)
        evaluations.append(RuleEvaluation(rule.id, rule.name, rule.tier, failure is None, failure))
        if failure is None:
            matching.append(rule)

    flags = _gate_flags(facts)
    minimum_approvals = FOUR_EYES if facts.transfers_technology else 1
    rank = {queue: index for index, queue in enumerate(queue_precedence)}
    if matching:
        # `matching` is in queue order, so min() keeps the tier order among equal ranks.
        chosen: Rule | None = min(matching, key=lambda r: rank.get(r.queue, len(rank)))
        assert chosen is not None
        queue = chosen.queue
        sla = min(r.sla_working_days for r in matching if r.queue == queue)
        approvals = max(r.approvals_required for r in matching)
        reason = _queue_reason(chosen, matching, rank)
        documents = {d for r in matching if r.queue == queue for d in r.requires_documents}
        for rule in matching:
            flags.update(rule.flags)
    else:
        chosen, queue, sla, approvals = None, TRIAGE_QUEUE, TRIAGE_SLA_WORKING_DAYS, 1
        documents = set()
        reason = f"no rule matched: {TRIAGE_QUEUE} (fail closed)"

    refusals = _refusals(facts)
    return RoutingDecision(
        queue=queue,
        flags=tuple(sorted(flags)),
        sla_working_days=sla,
        sla_due_on=due_date(submitted_on, sla),
        approvals_required=max(approvals, minimum_approvals),
        explanation=tuple(evaluations),
        rule_set_version=rule_set_version,
        queue_rule_id=chosen.id if chosen else None,
        refused=bool(refusals),
        refusal_reason="; ".join(refusals) or None,
        matched_rule_ids=tuple(r.id for r in matching),
        queue_reason=reason,
        value_eur=facts.value_eur,
        requires_documents=tuple(sorted(documents)),
    )
