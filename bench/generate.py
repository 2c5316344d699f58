"""Seeded generation of a realistic catalogue as plain row dicts (no database here).

The same seed and size always give the same rows: every random choice comes from one
`random.Random`, consumed in a fixed order, and all timestamps are offsets from a fixed date.
"""

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

from bench import vocabulary as words
from bench.rule_generator import TOTAL_RULES, generated_rule_specs
from catalog.core.enums import (
    CaseDecisionKind,
    CaseStatus,
    OrgKind,
    ProductCategory,
    ProductStatus,
    QuoteStatus,
    TechTransfer,
    VettingStatus,
)
from catalog.demo.catalogue import demo_catalogue
from catalog.demo.seed import rule_snapshot
from catalog.models import RoutingRule

Row = dict[str, Any]
EPOCH = datetime(2025, 6, 1, 8, 0, tzinfo=UTC)
SPAN_MINUTES = 540 * 24 * 60
MANUFACTURERS = 200
RULE_SET_VERSION = 1
OFFICER = "officer-1@licensing.bench"

CATEGORY_WEIGHTS = {
    ProductCategory.GROUND_DRONE: 45,
    ProductCategory.NAVAL_DRONE: 25,
    ProductCategory.SOFTWARE: 30,
}
STATUS_WEIGHTS = {
    ProductStatus.PUBLISHED: 80,
    ProductStatus.DRAFT: 6,
    ProductStatus.SUBMITTED: 5,
    ProductStatus.CHANGES_REQUESTED: 3,
    ProductStatus.WITHDRAWN: 3,
    ProductStatus.SUSPENDED: 3,
}
TECH_TRANSFER_WEIGHTS = {
    TechTransfer.NONE: 70,
    TechTransfer.MAINTENANCE: 22,
    TechTransfer.LICENSED_PRODUCTION: 8,
}
QUOTE_STATUS_WEIGHTS = {
    QuoteStatus.LICENSING_REVIEW: 30,
    QuoteStatus.INFO_REQUESTED: 8,
    QuoteStatus.LICENSED: 15,
    QuoteStatus.OFFERED: 15,
    QuoteStatus.ACCEPTED: 12,
    QuoteStatus.DECLINED: 5,
    QuoteStatus.REFUSED: 8,
    QuoteStatus.WITHDRAWN: 7,
}
CASE_STATUS = {
    QuoteStatus.LICENSING_REVIEW: CaseStatus.OPEN,
    QuoteStatus.INFO_REQUESTED: CaseStatus.INFO_REQUESTED,
    QuoteStatus.LICENSED: CaseStatus.APPROVED,
    QuoteStatus.OFFERED: CaseStatus.APPROVED,
    QuoteStatus.ACCEPTED: CaseStatus.APPROVED,
    QuoteStatus.DECLINED: CaseStatus.APPROVED,
    QuoteStatus.REFUSED: CaseStatus.REFUSED,
    QuoteStatus.WITHDRAWN: CaseStatus.CLOSED,
}
# The generated cases carry a plausible queue per category; they are not the output of the
# routing engine, and say so in their routing record.
HEAVY = sorted(words.HEAVY_BUYERS)
LIGHT = [c for c in words.PARTNER_COUNTRIES if c not in words.HEAVY_BUYERS]
QUEUE_BY_CATEGORY = {
    ProductCategory.GROUND_DRONE: "GROUND_SYSTEMS",
    ProductCategory.NAVAL_DRONE: "NAVAL",
    ProductCategory.SOFTWARE: "SOFTWARE_REVIEW",
}


def manufacturer_slug(number: int) -> str:
    return f"bench-manufacturer-{number:03d}"


def partner_slug(country: str) -> str:
    return f"bench-partner-{country}"


CURATOR_SLUG = "bench-curator"
LICENSING_SLUG = "bench-licensing"


@dataclass
class ProductBatch:
    products: list[Row] = field(default_factory=list)
    releases: list[Row] = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class QuoteCandidate:
    product_id: uuid.UUID
    category: ProductCategory
    price: Decimal
    countries: tuple[str, ...]


@dataclass
class QuoteRows:
    quotes: list[Row] = field(default_factory=list)
    cases: list[Row] = field(default_factory=list)
    decisions: list[Row] = field(default_factory=list)
    offers: list[Row] = field(default_factory=list)


def _pick(rng: random.Random, weights: dict[Any, int]) -> Any:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class CatalogueGenerator:
    """Produces organisations, products with releases, rules and quotes, in that order."""

    def __init__(self, products: int, seed: int = 1) -> None:
        self.size = products
        self.seed = seed
        self.rng = random.Random(seed)
        self.orgs: dict[str, Row] = {}
        self.candidates: list[QuoteCandidate] = []

    def uuid(self) -> uuid.UUID:
        return uuid.UUID(int=self.rng.getrandbits(128), version=4)

    def moment(self) -> datetime:
        return EPOCH + timedelta(minutes=self.rng.randrange(SPAN_MINUTES))

    # ------------------------------------------------------------ organisations

    def _org(self, slug: str, name: str, kind: OrgKind, country: str, vetting: str) -> Row:
        at = EPOCH - timedelta(days=30)
        row = {
            "id": self.uuid(),
            "slug": slug,
            "name": name,
            "kind": kind,
            "country": country,
            "vetting": VettingStatus(vetting),
            "created_at": at,
            "updated_at": at,
        }
        self.orgs[slug] = row
        return row

    def organisations(self) -> list[Row]:
        rows = []
        names = [f"{r} {k}" for k in words.COMPANY_KINDS for r in words.ROOTS]
        for number, name in enumerate(self.rng.sample(names, MANUFACTURERS), start=1):
            rows.append(
                self._org(manufacturer_slug(number), name, OrgKind.MANUFACTURER, "UA", "VETTED")
            )
        for code in words.PARTNER_COUNTRIES:
            name = f"{words.country_name(code)} Defence Procurement Agency (bench)"
            vetting = words.NOT_VETTED.get(code, "VETTED")
            rows.append(self._org(partner_slug(code), name, OrgKind.PARTNER, code, vetting))
        rows.append(
            self._org(CURATOR_SLUG, "Brave1 Curation Desk (bench)", OrgKind.CURATOR, "UA", "VETTED")
        )
        rows.append(
            self._org(LICENSING_SLUG, "Export Licensing (bench)", OrgKind.LICENSING, "UA", "VETTED")
        )
        return rows

    # ------------------------------------------------------------ products

    def product_batches(self, batch_size: int) -> Iterator[ProductBatch]:
        batch = ProductBatch()
        for index in range(self.size):
            product = self._product(index)
            batch.products.append(product)
            batch.releases.extend(self._releases(product))
            if len(batch.products) >= batch_size:
                yield batch
                batch = ProductBatch()
        if batch.products:
            yield batch

    def _product(self, index: int) -> Row:
        rng = self.rng
        category: ProductCategory = _pick(rng, CATEGORY_WEIGHTS)
        status: ProductStatus = _pick(rng, STATUS_WEIGHTS)
        maker = self.orgs[manufacturer_slug(rng.randrange(MANUFACTURERS) + 1)]
        model = f"{rng.choice(words.MODEL_WORDS)}-{rng.randrange(1, 100)}"
        noun = rng.choice(words.CATEGORY_NOUNS[category])
        created = self.moment()
        specs = SPEC_BUILDERS[category](rng)
        price = Decimal(rng.randrange(8, 4000) * 1000)
        return {
            "id": self.uuid(),
            "manufacturer_id": maker["id"],
            "sku": f"{category.value[:2]}-{index:07d}",
            "name": f"{model} {noun}",
            "category": category,
            "summary": _summary(rng, noun, category, specs),
            "description": _description(rng, model, category),
            "specs": specs,
            "combat_record": _combat_record(rng, category) if rng.random() < 0.9 else None,
            "control_entry": rng.choice(words.CONTROL_ENTRIES[category]),
            "tech_transfer": _pick(rng, TECH_TRANSFER_WEIGHTS),
            "units_available": rng.randrange(0, 500),
            "lead_time_days": rng.choice((None, 14, 21, 30, 45, 60, 90, 120, 180)),
            "unit_price_eur": price,
            "status": status,
            "review_note": "Add trial evidence for the stated range."
            if status is ProductStatus.CHANGES_REQUESTED
            else None,
            "created_at": created,
            "updated_at": created,
            "published_at": created if status is ProductStatus.PUBLISHED else None,
        }

    def _releases(self, product: Row) -> list[Row]:
        if product["status"] not in (
            ProductStatus.PUBLISHED,
            ProductStatus.SUSPENDED,
            ProductStatus.WITHDRAWN,
        ):
            return []
        rng = self.rng
        countries = rng.sample(HEAVY, rng.randrange(1, 8)) + rng.sample(LIGHT, rng.randrange(0, 4))
        rows = [self._release(product, code) for code in sorted(countries)]
        live = tuple(r["country"] for r in rows if r["revoked_at"] is None)
        if product["status"] is ProductStatus.PUBLISHED and live and rng.random() < 0.2:
            self.candidates.append(
                QuoteCandidate(product["id"], product["category"], product["unit_price_eur"], live)
            )
        return rows

    def _release(self, product: Row, country: str) -> Row:
        released = product["created_at"] + timedelta(days=self.rng.randrange(1, 30))
        revoked = self.rng.random() < 0.03
        return {
            "id": self.uuid(),
            "product_id": product["id"],
            "country": country,
            "released_by_org_id": self.orgs[CURATOR_SLUG]["id"],
            "released_at": released,
            "expires_at": None,
            "revoked_at": released + timedelta(days=60) if revoked else None,
            "revoked_by_org_id": self.orgs[CURATOR_SLUG]["id"] if revoked else None,
        }

    # ------------------------------------------------------------ routing rules

    def rules(self) -> tuple[list[Row], Row]:
        """The demo rules (so every quote still lands in a known queue) and enough seeded
        rules to make `TOTAL_RULES`, all active, and rule-set version 1 holding exactly them."""
        rules = [
            RoutingRule(id=self.uuid(), created_at=EPOCH, updated_at=EPOCH, **spec.columns())
            for spec in demo_catalogue().routing_rules
        ]
        rules += [
            RoutingRule(id=rule_id, created_at=EPOCH, updated_at=EPOCH, **spec)
            for rule_id, spec in generated_rule_specs(self.seed, TOTAL_RULES - len(rules))
        ]
        version = {
            "version": RULE_SET_VERSION,
            "created_at": EPOCH,
            "created_by": "system:bench-dataset",
            "rules": [rule_snapshot(rule) for rule in rules],
            "queue_precedence": list(demo_catalogue().queue_precedence),
        }
        return [rule.model_dump() for rule in rules], version

    # ------------------------------------------------------------ quotes

    def quotes(self, count: int) -> QuoteRows:
        out = QuoteRows()
        partners = [
            self.orgs[partner_slug(c)] for c in words.PARTNER_COUNTRIES if c not in words.NOT_VETTED
        ]
        vetted = {p["country"] for p in partners}
        pool = [c for c in self.candidates if vetted.intersection(c.countries)]
        for number in range(count if pool else 0):
            candidate = self.rng.choice(pool)
            country = self.rng.choice(sorted(vetted.intersection(candidate.countries)))
            self._quote(out, number, candidate, self.orgs[partner_slug(country)])
        return out

    def _quote(self, out: QuoteRows, number: int, product: QuoteCandidate, partner: Row) -> None:
        rng = self.rng
        status: QuoteStatus = _pick(rng, QUOTE_STATUS_WEIGHTS)
        created = self.moment()
        delivery = partner["country"]
        if rng.random() < 0.05:
            delivery = rng.choice(words.PARTNER_COUNTRIES)
        offered = status in (QuoteStatus.OFFERED, QuoteStatus.ACCEPTED, QuoteStatus.DECLINED)
        quantity = rng.choice((1, 2, 4, 5, 10, 12, 20, 24, 50, 100))
        quote = {
            "id": self.uuid(),
            "partner_org_id": partner["id"],
            "product_id": product.product_id,
            "quantity": quantity,
            "delivery_country": delivery,
            "end_user": f"{words.country_name(partner['country'])} Armed Forces",
            "end_use": "Equipping units for territorial defence and training.",
            "co_production": rng.random() < 0.1,
            "required_by": (created + timedelta(days=rng.randrange(60, 365))).date(),
            "notes": None,
            "idempotency_key": f"bench-{self.seed}-{number}",
            "status": status,
            "refusal_reason": "End-use assurances insufficient."
            if status is QuoteStatus.REFUSED
            else None,
            "offer_unit_price": product.price if offered else None,
            "offer_currency": "EUR" if offered else None,
            "offer_lead_time_days": 60 if offered else None,
            "offer_valid_until": (created + timedelta(days=90)).date() if offered else None,
            "offer_revision": 1 if offered else 0,
            "offer_pending": False,
            # routed on the product's price, which the offer does not exceed
            "routed_unit_price_eur": product.price,
            "licensed_value": product.price * quantity,
            "licensed_currency": "EUR",
            "created_at": created,
            "updated_at": created,
        }
        out.quotes.append(quote)
        if offered:
            out.offers.append(self._offer(quote))
        self._case(out, quote, product.category, status)

    def _offer(self, quote: Row) -> Row:
        return {
            "id": self.uuid(),
            "quote_request_id": quote["id"],
            "revision": 1,
            "unit_price": quote["offer_unit_price"],
            "currency": quote["offer_currency"],
            "lead_time_days": quote["offer_lead_time_days"],
            "valid_until": quote["offer_valid_until"],
            "total": quote["offer_unit_price"] * quote["quantity"],
            "went_to_review": False,
            "released_at": quote["created_at"],
            "created_by": OFFICER,
            "created_at": quote["created_at"],
        }

    def _case(
        self, out: QuoteRows, quote: Row, category: ProductCategory, status: QuoteStatus
    ) -> None:
        case_status = CASE_STATUS[status]
        created: datetime = quote["created_at"]
        decided = created + timedelta(days=self.rng.randrange(1, 15))
        queue = QUEUE_BY_CATEGORY[category]
        officer = OFFICER if case_status is not CaseStatus.OPEN else None
        case = {
            "id": self.uuid(),
            "quote_request_id": quote["id"],
            "queue": queue,
            "flags": [],
            "status": case_status,
            "sla_due_on": _working_days_after(created.date(), 10),
            "sla_paused_since": decided if case_status is CaseStatus.INFO_REQUESTED else None,
            "approvals_required": 1,
            "assigned_to": officer,
            "rule_set_version": RULE_SET_VERSION,
            "routing": {
                "queue": queue,
                "rule_set_version": RULE_SET_VERSION,
                "explanation": [],
                "note": "generated benchmark data, not evaluated by the routing engine",
            },
            "created_at": created,
            "updated_at": decided,
            "decided_at": decided
            if case_status in (CaseStatus.APPROVED, CaseStatus.REFUSED)
            else None,
        }
        out.cases.append(case)
        decision = {
            CaseStatus.APPROVED: CaseDecisionKind.APPROVE,
            CaseStatus.REFUSED: CaseDecisionKind.REFUSE,
            CaseStatus.INFO_REQUESTED: CaseDecisionKind.REQUEST_INFO,
        }.get(case_status)
        if decision is not None:
            out.decisions.append(
                {
                    "id": self.uuid(),
                    "case_id": case["id"],
                    "officer": OFFICER,
                    "officer_org_id": self.orgs[LICENSING_SLUG]["id"],
                    "decision": decision,
                    "reason": f"Generated decision: {decision.value.lower().replace('_', ' ')}.",
                    "created_at": decided,
                }
            )


def _working_days_after(start: date, days: int) -> date:
    current = start
    while days:
        current += timedelta(days=1)
        if current.weekday() < 5:
            days -= 1
    return current


def _ground_specs(rng: random.Random) -> Row:
    return {
        "range_km": rng.randrange(5, 60),
        "endurance_h": rng.randrange(2, 48),
        "payload_kg": rng.randrange(10, 1200),
        "max_speed_kmh": rng.randrange(6, 40),
        "mass_kg": rng.randrange(25, 2000),
        "drive": rng.choice(("TRACKED", "TRACKED", "WHEELED", "LEGGED")),
        "autonomy_level": rng.choice(("REMOTE", "ASSISTED", "SUPERVISED")),
        "comms": rng.choice(words.COMMS),
    }


def _naval_specs(rng: random.Random) -> Row:
    return {
        "range_km": rng.randrange(50, 1500),
        "endurance_h": rng.randrange(6, 120),
        "payload_kg": rng.randrange(20, 1000),
        "max_speed_knots": rng.randrange(5, 50),
        "length_m": round(rng.uniform(1.5, 9.0), 1),
        "hull": rng.choice(("SURFACE", "SURFACE", "SEMI_SUBMERSIBLE", "UNDERWATER")),
        "autonomy_level": rng.choice(("REMOTE", "ASSISTED", "SUPERVISED", "AUTONOMOUS")),
        "comms": rng.choice(words.COMMS),
    }


def _software_specs(rng: random.Random) -> Row:
    return {
        "deployment": rng.choice(("ON_PREMISES", "EDGE", "AIR_GAPPED")),
        "platforms": rng.sample(words.PLATFORMS, rng.randrange(1, 4)),
        "autonomy_level": rng.choice(("ASSISTED", "SUPERVISED", "AUTONOMOUS")),
        "integrations": rng.sample(words.INTEGRATIONS, rng.randrange(1, 5)),
        "licence_model": rng.choice(("PER_SEAT", "PER_PLATFORM", "SITE")),
    }


SPEC_BUILDERS = {
    ProductCategory.GROUND_DRONE: _ground_specs,
    ProductCategory.NAVAL_DRONE: _naval_specs,
    ProductCategory.SOFTWARE: _software_specs,
}


def _summary(rng: random.Random, noun: str, category: ProductCategory, specs: Row) -> str:
    if category is ProductCategory.SOFTWARE:
        return (
            f"{noun} for {rng.choice(words.ROLES[category])}, deployed {specs['deployment']} "
            f"and integrated with {', '.join(specs['integrations'])}."
        )
    return (
        f"{noun} with {specs['payload_kg']} kg payload and {specs['range_km']} km range "
        f"for {' and '.join(rng.sample(words.ROLES[category], 2))}."
    )


def _description(rng: random.Random, model: str, category: ProductCategory) -> str:
    role = rng.choice(words.ROLES[category])
    front = rng.choice(words.FRONTS)
    return (
        f"{model} was developed for {role} on the {front} front, where units needed a system "
        "that keeps working under jamming and constant drone threat. Spares, operator training "
        "and field-level maintenance documentation are included with every export delivery."
    )


def _combat_record(rng: random.Random, category: ProductCategory) -> Row:
    first = date(2023, 1, 1) + timedelta(days=rng.randrange(900))
    roles = rng.sample(words.ROLES[category], rng.randrange(1, 4))
    return {
        "first_deployment": first.isoformat(),
        "roles": roles,
        "evidence": f"In service on the {rng.choice(words.FRONTS)} front since {first.year}; "
        f"{rng.randrange(20, 3000)}+ missions logged.",
    }


def quote_count(products: int) -> int:
    """A modest number of past quotes: one per 50 products, at least 10."""
    return max(10, products // 50)
