"""Routing rule conditions: how each is checked against a quote's facts, in which order, and
how a rule's conditions are validated before a rule is stored.

A rule's conditions are an AND, checked in the order of CONDITION_ORDER; the first one that
fails is recorded in words. A list inside a condition is an OR ("categories": ["A", "B"]
matches A or B).

Control-entry prefixes match on entry boundaries: the prefix must be followed by the end of the
entry, a "." separator, or a change between letters and digits. So "ML1" matches "ML1", "ML1.a"
and "ML1a" but not "ML11"; "ML21.b" matches "ML21.b.1" but not "ML21.bc"; matching ignores case.
A value threshold on a quote without a value is treated as met (unknown value → more review).
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from operator import attrgetter
from typing import Any

from catalog.core.countries import is_iso_country
from catalog.core.enums import ProductCategory, TechTransfer

DESTINATION_GROUPS = ("EU", "NATO")


@dataclass(frozen=True, slots=True)
class QuoteFacts:
    """What routing knows about a quote. `value_eur` is the value it is routed on (the unit
    price snapshot times the quantity, or an offer's total), None when unknown."""

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
    delivery_listed: bool  # on the programme's partner-country list
    partner_embargoed: bool
    partner_listed: bool
    co_production: bool
    # Delivered through an export centre: its country is a transit country (None: direct).
    transit_country: str | None = None
    transit_listed: bool = True
    transit_embargoed: bool = False
    # Production under licence abroad (a co-production request), and why the technology is
    # sensitive if it is (the hard gate refuses it).
    production_abroad: bool = False
    sensitive_technology: str | None = None

    @property
    def re_export(self) -> bool:
        return self.delivery_country != self.partner_country

    @property
    def transfers_technology(self) -> bool:
        return self.tech_transfer != "NONE" or self.co_production


def _listed(values: Iterable[Any]) -> str:
    return "[" + ", ".join(str(v) for v in values) + "]"


def _normalised_prefix(prefix: str) -> str:
    return prefix.strip().upper().rstrip(".")


def _under(entry: str, prefix: str) -> bool:
    """`entry` (stripped, upper case) is under `prefix` (normalised) on an entry boundary."""
    if not prefix or not entry.startswith(prefix):
        return False
    if len(entry) == len(prefix):
        return True
    before, after = prefix[-1], entry[len(prefix)]
    return after == "." or before.isdigit() != after.isdigit()


def control_entry_matches(entry: str, prefix: str) -> bool:
    return _under(entry.strip().upper(), _normalised_prefix(prefix))


# A condition prepared for checking: the quote's facts → None when it holds, else the failure
# in words. Preparing takes a condition's value; what does not depend on the quote (the listed
# values of a failure, normalised prefixes, a threshold as a Decimal) is worked out once.
Check = Callable[[QuoteFacts], str | None]


def _member_of(fact: Callable[[QuoteFacts], str], named: str) -> Callable[[list[str]], Check]:
    """A condition met when the quote's `fact` is among the wanted values; its failure reads
    "<named> <the fact> not in [<the wanted values>]"."""

    def prepare(wanted: list[str]) -> Check:
        listed = _listed(wanted)

        def check(facts: QuoteFacts) -> str | None:
            value = fact(facts)
            if value in wanted:
                return None
            return f"{named} {value} not in {listed}"

        return check

    return prepare


_categories = _member_of(attrgetter("category"), "category")
_countries = _member_of(attrgetter("delivery_country"), "destination")
_tech_transfer = _member_of(attrgetter("tech_transfer"), "technology transfer")


# Control entries whose answer a prefix check keeps; past it, it starts again (a catalogue has
# far fewer distinct entries than this).
PREFIX_ANSWERS_KEPT = 4096


def _prefixes(wanted: list[str]) -> Check:
    """Answers are kept per control entry: most rules name prefixes, and a quote's entry was
    normalised, matched against each prefix and its failure written for every one of them
    (half of routing a quote at two hundred rules)."""
    prefixes = tuple(_normalised_prefix(p) for p in wanted)
    listed = _listed(wanted)
    answers: dict[str, str | None] = {}

    def answer(entry: str) -> str | None:
        normalised = entry.strip().upper()
        if any(_under(normalised, p) for p in prefixes):
            return None
        return f"control entry {entry} not under {listed}"

    def check(facts: QuoteFacts) -> str | None:
        entry = facts.control_entry
        try:
            return answers[entry]
        except KeyError:
            if len(answers) >= PREFIX_ANSWERS_KEPT:
                answers.clear()
            found = answers[entry] = answer(entry)
            return found

    return check


def _groups(wanted: list[str]) -> Check:
    listed = _listed(wanted)
    eu, nato = "EU" in wanted, "NATO" in wanted

    def check(facts: QuoteFacts) -> str | None:
        if (eu and facts.delivery_eu) or (nato and facts.delivery_nato):
            return None
        return f"destination {facts.delivery_country} in none of {listed}"

    return check


def _min_quantity(minimum: int) -> Check:
    def check(facts: QuoteFacts) -> str | None:
        if facts.quantity >= minimum:
            return None
        return f"quantity {facts.quantity} below {minimum}"

    return check


def _min_value(minimum: int | float | str) -> Check:
    threshold = Decimal(str(minimum))

    def check(facts: QuoteFacts) -> str | None:
        if facts.value_eur is None or facts.value_eur >= threshold:
            return None
        return f"value EUR {facts.value_eur:,.0f} below {threshold:,.0f}"

    return check


def _co_production(wanted: bool) -> Check:
    def check(facts: QuoteFacts) -> str | None:
        if facts.co_production == wanted:
            return None
        return "co-production requested" if facts.co_production else "co-production not requested"

    return check


def _re_export(wanted: bool) -> Check:
    def check(facts: QuoteFacts) -> str | None:
        if facts.re_export == wanted:
            return None
        if facts.re_export:
            return f"destination {facts.delivery_country} differs from partner country"
        return f"destination {facts.delivery_country} is the partner's own country"

    return check


# The order in which conditions are checked, and so which failure an explanation names.
CONDITION_ORDER: tuple[tuple[str, Callable[[Any], Check]], ...] = (
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


def prepared_checks(conditions: dict[str, Any]) -> tuple[Check, ...]:
    """A rule's conditions as checks, in CONDITION_ORDER. A rule set is parsed once per
    version (catalog/licensing/rules.py), so routing a quote pays only for the comparisons;
    with two hundred rules, preparing them on every quote was most of routing's time."""
    unknown = sorted(set(conditions) - CONDITION_KEYS)
    if unknown:
        # A rule we cannot read never matches silently; rule validation prevents this.
        message = f"unknown condition {unknown[0]}"
        return (lambda _facts: message,)
    return tuple(prepare(conditions[key]) for key, prepare in CONDITION_ORDER if key in conditions)


def failure_of(facts: QuoteFacts, checks: tuple[Check, ...]) -> str | None:
    """None when every check holds; otherwise the first failing one, in words."""
    for check in checks:
        failure = check(facts)
        if failure is not None:
            return failure
    return None


def first_failure(facts: QuoteFacts, conditions: dict[str, Any]) -> str | None:
    """None when every condition holds; otherwise the first failing one, in words."""
    return failure_of(facts, prepared_checks(conditions))


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
