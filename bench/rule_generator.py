"""Seeded routing rules for the benchmark rule set, beyond the demo rules.

A production rule set grows by accretion: country desks, quantity and value thresholds per
control entry, technology-transfer and co-production reviews, re-export checks. These rules
look like that and are built from the conditions the routing engine knows
(`catalog.licensing.conditions.CONDITION_ORDER`). Most of them carry two or three conditions and a
threshold or a destination that a typical request (one unit, to the partner's own country,
no co-production) does not meet, so the engine evaluates every one of them and rejects most
on their second or third condition rather than the first.

The rules come from their own `random.Random`, seeded from the catalogue seed, so adding
rules never shifts the products, releases and quotes drawn from the catalogue's generator.
"""

import random
import uuid
from collections.abc import Callable
from typing import Any

from bench import vocabulary as words
from catalog.core.enums import ProductCategory, TechTransfer

Spec = dict[str, Any]
TOTAL_RULES = 200

# Control-list entries and sub-entries that the generated catalogue uses, plus a few that it
# does not (ML10 aircraft, ML5 fire control, ML15 imaging), as a real rule set would hold.
PREFIXES: tuple[str, ...] = (
    "ML4", "ML4.b", "ML5", "ML6", "ML6.a", "ML6.b", "ML9", "ML9.a", "ML9.b",
    "ML10", "ML11", "ML11.a", "ML15", "ML21", "ML21.a", "ML21.b",
)  # fmt: skip
CATEGORIES: tuple[str, ...] = tuple(c.value for c in ProductCategory)
REGIONS: dict[str, tuple[str, ...]] = {
    "BALTIC_DESK": ("EE", "LT", "LV"),
    "NORDIC_DESK": ("DK", "FI", "IS", "NO", "SE"),
    "CENTRAL_EUROPE_DESK": ("AT", "CZ", "DE", "PL", "SK", "SI"),
    "WESTERN_EUROPE_DESK": ("BE", "FR", "GB", "IE", "LU", "NL"),
    "SOUTHERN_EUROPE_DESK": ("CY", "ES", "GR", "IT", "MT", "PT"),
    "BALKANS_DESK": ("AL", "BG", "HR", "ME", "MK", "RO", "TR"),
    "PACIFIC_DESK": ("AU", "JP", "KR", "NZ"),
    "NORTH_AMERICA_DESK": ("CA", "US"),
}
QUANTITY_STEPS: tuple[int, ...] = (10, 20, 25, 40, 50, 75, 100, 150, 200, 250, 400, 500)
VALUE_STEPS_EUR: tuple[int, ...] = (
    250_000, 500_000, 1_000_000, 2_000_000, 3_000_000, 5_000_000, 10_000_000, 25_000_000,
)  # fmt: skip


def _countries(rng: random.Random, most: int) -> list[str]:
    return sorted(rng.sample(words.PARTNER_COUNTRIES, rng.randrange(1, most + 1)))


def _country_desk(rng: random.Random) -> Spec:
    queue = rng.choice(sorted(REGIONS))
    prefix = rng.choice(PREFIXES)
    threshold = rng.choice(QUANTITY_STEPS)
    return {
        "name": f"{queue.replace('_', ' ').title()}: {prefix} from {threshold} units",
        "tier": 2,
        "conditions": {
            "control_entry_prefixes": [prefix],
            "destination_countries": list(REGIONS[queue]),
            "min_quantity": threshold,
        },
        "queue": queue,
        "flags": ["REGIONAL_DESK"],
        "sla_working_days": rng.choice((10, 12, 15)),
        "approvals_required": 1,
    }


def _quantity_threshold(rng: random.Random) -> Spec:
    category = rng.choice(CATEGORIES)
    threshold = rng.choice(QUANTITY_STEPS)
    return {
        "name": f"{category.replace('_', ' ').capitalize()} batch of {threshold}+ units",
        "tier": rng.choice((1, 2)),
        "conditions": {"categories": [category], "min_quantity": threshold},
        "queue": "SENIOR_REVIEW",
        "flags": ["HIGH_QUANTITY"],
        "sla_working_days": 15,
        "approvals_required": 2,
    }


def _value_threshold(rng: random.Random) -> Spec:
    countries = _countries(rng, 4)
    threshold = rng.choice(VALUE_STEPS_EUR)
    return {
        "name": f"Contracts of EUR {threshold:,}+ to {', '.join(countries)}",
        "tier": 1,
        "conditions": {"destination_countries": countries, "min_value_eur": threshold},
        "queue": "SENIOR_REVIEW",
        "flags": ["HIGH_VALUE"],
        "sla_working_days": rng.choice((15, 20)),
        "approvals_required": 2,
    }


def _tech_transfer(rng: random.Random) -> Spec:
    level = rng.choice((TechTransfer.MAINTENANCE.value, TechTransfer.LICENSED_PRODUCTION.value))
    prefix = rng.choice(PREFIXES)
    countries = _countries(rng, 5)
    return {
        "name": f"{level.replace('_', ' ').capitalize()} of {prefix} for {', '.join(countries)}",
        "tier": 1,
        "conditions": {
            "control_entry_prefixes": [prefix],
            "destination_countries": countries,
            "tech_transfer": [level],
        },
        "queue": "TECH_TRANSFER_REVIEW",
        "flags": ["TECH_TRANSFER", "KNOW_HOW"],
        "sla_working_days": 20,
        "approvals_required": 2,
    }


def _co_production(rng: random.Random) -> Spec:
    prefixes = sorted(rng.sample(PREFIXES, rng.randrange(1, 4)))
    return {
        "name": f"Co-production under {', '.join(prefixes)}",
        "tier": 1,
        "conditions": {"control_entry_prefixes": prefixes, "co_production": True},
        "queue": "TECH_TRANSFER_REVIEW",
        "flags": ["CO_PRODUCTION"],
        "sla_working_days": 20,
        "approvals_required": rng.choice((2, 3)),
    }


def _re_export(rng: random.Random) -> Spec:
    category = rng.choice(CATEGORIES)
    groups = rng.choice((["EU"], ["NATO"], ["EU", "NATO"]))
    return {
        "name": f"Re-export of {category.replace('_', ' ').lower()}s within {'/'.join(groups)}",
        "tier": 1,
        "conditions": {"categories": [category], "destination_groups": groups, "re_export": True},
        "queue": "SENIOR_REVIEW",
        "flags": ["RE_EXPORT", "END_USE_CHECK"],
        "sla_working_days": 15,
        "approvals_required": 2,
    }


def _sensitive_entry(rng: random.Random) -> Spec:
    prefix = rng.choice(PREFIXES)
    countries = _countries(rng, 3)
    return {
        "name": f"{prefix} to {', '.join(countries)} with end-use check",
        "tier": rng.choice((2, 3)),
        "conditions": {"control_entry_prefixes": [prefix], "destination_countries": countries},
        "queue": rng.choice(("GROUND_SYSTEMS", "NAVAL", "SOFTWARE_REVIEW")),
        "flags": ["END_USE_CHECK"],
        "sla_working_days": rng.choice((8, 10, 12)),
        "approvals_required": 1,
    }


# Weighted like a real rule set: many country- and entry-specific rules, fewer broad ones.
KINDS: tuple[tuple[Callable[[random.Random], Spec], int], ...] = (
    (_country_desk, 30),
    (_quantity_threshold, 10),
    (_value_threshold, 15),
    (_tech_transfer, 15),
    (_co_production, 8),
    (_re_export, 7),
    (_sensitive_entry, 15),
)


def generated_rule_specs(seed: int, count: int) -> list[tuple[uuid.UUID, Spec]]:
    """`count` rule specs (`RoutingRule` columns, like the demo rules' `columns()`), each with
    its id; names are unique because the rule list in the UI and in explanations is read by
    name."""
    rng = random.Random(f"bench-routing-rules-{seed}")
    makers = [maker for maker, _ in KINDS]
    weights = [weight for _, weight in KINDS]
    out = []
    for number in range(1, count + 1):
        spec = rng.choices(makers, weights=weights)[0](rng)
        spec["name"] = f"{spec['name']} (B{number:03d})"
        out.append((uuid.UUID(int=rng.getrandbits(128), version=4), spec))
    return out
