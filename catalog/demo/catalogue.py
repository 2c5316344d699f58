"""The demo catalogue of ``market seed-demo``, read from ``demo_catalogue.json`` beside this module.

The JSON file holds the data (organisations, products with their releases, the default routing
rule set); this module gives it types and checks it when it is read, so a mistake in the file
fails with the entry it is in, e.g. ``products[3] (demo-manufacturer-1/GD-300): units_available:
Input should be a valid integer``, before anything is written to a database.

Beyond the shape, the checks are the domain's own: ISO country codes, no release to an embargoed
country, Military List entries, specs and combat records as ``createProduct`` validates them, and
routing conditions as ``createRoutingRule`` validates them. Values are kept exactly as written
(specs are checked, not normalised), so the seeded rows are the file's values.

Routing rules follow the engine (catalog/licensing/routing.py): within one rule all conditions
must hold, a list-valued condition matches if any element matches, every matching rule adds its
flags; among the matching rules' queues the one highest in `queue_precedence` wins (unlisted
queues rank below the listed ones, in tier order), its own rules give the SLA, the approvals
are the highest of all matching rules, and nothing matching sends the case to the TRIAGE
queue. The demo puts TECH_TRANSFER_REVIEW and SENIOR_REVIEW above every other queue.
"""

import copy
import json
from decimal import Decimal
from functools import cache
from importlib import resources
from typing import Annotated, Any

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError
from pydantic.dataclasses import dataclass

from catalog.core.countries import DEFAULT_EMBARGOED, is_iso_country
from catalog.core.enums import (
    DocumentKind,
    ProductCategory,
    ProductStatus,
    TechTransfer,
    VettingStatus,
)
from catalog.core.errors import DomainError
from catalog.licensing.conditions import condition_problems
from catalog.products.lifecycle import CONTROL_ENTRY_PATTERN
from catalog.products.specs import validate_combat_record, validate_specs

CATALOGUE_FILE = "demo_catalogue.json"

# Unknown keys are refused (a misspelt key would otherwise be dropped silently) and values are
# not coerced: "12" is not a number.
_STRICT = ConfigDict(extra="forbid", strict=True)

Text = Annotated[str, Field(min_length=1)]
Count = Annotated[int, Field(ge=0)]


class DemoCatalogueError(ValueError):
    """The demo catalogue file is not valid; the message names the file and each bad entry."""


@dataclass(frozen=True, config=_STRICT)
class DemoOrganisation:
    slug: Text
    name: Text
    country: Text


@dataclass(frozen=True, config=_STRICT)
class DemoPartner(DemoOrganisation):
    vetting: VettingStatus


@dataclass(frozen=True, config=_STRICT)
class DemoProduct:
    manufacturer: Text  # the manufacturer's organisation slug
    sku: Text
    name: Text
    category: ProductCategory
    summary: Text
    description: Text
    specs: dict[str, Any]
    combat_record: dict[str, Any]
    control_entry: Text
    tech_transfer: TechTransfer
    units_available: Count
    lead_time_days: Count
    unit_price_eur: Annotated[Decimal, Field(ge=0)]
    status: ProductStatus
    released_to: tuple[str, ...]  # country codes the demo curator has released it to


@dataclass(frozen=True, config=_STRICT)
class DemoRoutingRule:
    name: Text
    tier: Count
    conditions: dict[str, Any]
    queue: Text
    flags: tuple[str, ...]
    sla_working_days: Annotated[int, Field(ge=1)]
    approvals_required: Annotated[int, Field(ge=1)]
    requires_documents: tuple[DocumentKind, ...] = ()

    def columns(self) -> dict[str, Any]:
        """Keyword arguments for a ``RoutingRule`` row; fresh containers, so no two rows (or the
        cached catalogue) share a mutable value."""
        return {
            "name": self.name,
            "tier": self.tier,
            "conditions": copy.deepcopy(self.conditions),
            "queue": self.queue,
            "flags": list(self.flags),
            "sla_working_days": self.sla_working_days,
            "approvals_required": self.approvals_required,
            "requires_documents": [str(kind) for kind in self.requires_documents],
        }


@dataclass(frozen=True, config=_STRICT)
class DemoCatalogue:
    about: str
    manufacturers: tuple[DemoOrganisation, ...]
    partners: tuple[DemoPartner, ...]
    curator: DemoOrganisation
    licensing: DemoOrganisation
    products: tuple[DemoProduct, ...]
    routing_rules: tuple[DemoRoutingRule, ...]
    queue_precedence: tuple[str, ...]  # highest first

    def organisation_slugs(self) -> list[str]:
        """Every demo organisation: manufacturers, partners, the curator, the licensing body."""
        return [
            *(m.slug for m in self.manufacturers),
            *(p.slug for p in self.partners),
            self.curator.slug,
            self.licensing.slug,
        ]


_ADAPTER = TypeAdapter(DemoCatalogue)


def _label(raw: Any, loc: tuple[int | str, ...]) -> str:
    """``products[3] (demo-manufacturer-1/GD-300)`` for a pydantic error location."""
    if len(loc) < 2 or not isinstance(loc[1], int) or not isinstance(raw, dict):
        return ".".join(str(part) for part in loc)
    section, index, rest = str(loc[0]), loc[1], loc[2:]
    entries = raw.get(section)
    entry = entries[index] if isinstance(entries, list) and index < len(entries) else None
    key = ""
    if isinstance(entry, dict):
        if section == "products":
            key = f" ({entry.get('manufacturer')}/{entry.get('sku')})"
        else:
            key = f" ({entry.get('slug', entry.get('name'))})"
    tail = ".".join(str(part) for part in rest)
    return f"{section}[{index}]{key}" + (f": {tail}" if tail else "")


def _domain_problems(product: DemoProduct) -> list[str]:
    """What createProduct and releaseProduct would refuse in this product."""
    found: list[str] = []
    if not CONTROL_ENTRY_PATTERN.fullmatch(product.control_entry):
        found.append(f"control_entry {product.control_entry!r} is not a Military List entry")
    try:
        validate_specs(product.category, product.specs)
    except DomainError as error:
        found += [f"specs: {p.message}" for p in error.problems]
    try:
        validate_combat_record(product.combat_record)
    except DomainError as error:
        found += [f"combat_record: {p.message}" for p in error.problems]
    if len(set(product.released_to)) != len(product.released_to):
        found.append("released_to names a country twice")
    for code in product.released_to:
        if not is_iso_country(code):
            found.append(f"released_to: {code!r} is not an ISO 3166-1 alpha-2 code")
        elif code in DEFAULT_EMBARGOED:
            found.append(f"released_to: {code} is under an arms embargo")
    return found


def _product_problems(catalogue: DemoCatalogue) -> list[str]:
    manufacturers = {m.slug for m in catalogue.manufacturers}
    problems: list[str] = []
    seen: set[tuple[str, str]] = set()
    for index, product in enumerate(catalogue.products):
        found = _domain_problems(product)
        if product.manufacturer not in manufacturers:
            found.append(f"manufacturer {product.manufacturer!r} is not a demo manufacturer")
        if (product.manufacturer, product.sku) in seen:
            found.append("sku repeats another product of the same manufacturer")
        seen.add((product.manufacturer, product.sku))
        where = f"products[{index}] ({product.manufacturer}/{product.sku})"
        problems += [f"{where}: {problem}" for problem in found]
    return problems


def _organisation_problems(catalogue: DemoCatalogue) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    organisations = [
        *(("manufacturers", i, m) for i, m in enumerate(catalogue.manufacturers)),
        *(("partners", i, p) for i, p in enumerate(catalogue.partners)),
        ("curator", None, catalogue.curator),
        ("licensing", None, catalogue.licensing),
    ]
    for section, index, org in organisations:
        where = f"{section}[{index}] ({org.slug})" if index is not None else section
        if org.slug in seen:
            problems.append(f"{where}: slug repeats another organisation's")
        seen.add(org.slug)
        if not is_iso_country(org.country):
            problems.append(f"{where}: country {org.country!r} is not an ISO 3166-1 alpha-2 code")
    return problems


def _rule_problems(catalogue: DemoCatalogue) -> list[str]:
    problems: list[str] = []
    seen: set[str] = set()
    for index, rule in enumerate(catalogue.routing_rules):
        where = f"routing_rules[{index}] ({rule.name})"
        if rule.name in seen:
            problems.append(f"{where}: name repeats another rule's")
        seen.add(rule.name)
        problems += [f"{where}: conditions: {p}" for p in condition_problems(rule.conditions)]
    queues = {rule.queue for rule in catalogue.routing_rules}
    precedence = catalogue.queue_precedence
    if len(set(precedence)) != len(precedence):
        problems.append("queue_precedence: names a queue twice")
    problems += [
        f"queue_precedence: {queue} is the queue of no routing rule"
        for queue in precedence
        if queue not in queues
    ]
    return problems


def parse_demo_catalogue(text: str, source: str = CATALOGUE_FILE) -> DemoCatalogue:
    """The catalogue in ``text`` (JSON); raises DemoCatalogueError naming every bad entry."""
    try:
        raw = json.loads(text)  # for naming entries in errors
    except json.JSONDecodeError as error:
        raise DemoCatalogueError(f"{source} is not valid JSON: {error}") from error
    try:
        # JSON mode: enum names and decimal numbers are read from their JSON spelling.
        catalogue = _ADAPTER.validate_json(text, strict=True)
    except ValidationError as error:
        problems = [f"{_label(raw, e['loc'])}: {e['msg']}" for e in error.errors()]
    else:
        problems = (
            _organisation_problems(catalogue)
            + _product_problems(catalogue)
            + _rule_problems(catalogue)
        )
    if problems:
        listed = "\n".join(f"  {problem}" for problem in problems)
        raise DemoCatalogueError(f"{source} is not a valid demo catalogue:\n{listed}")
    return catalogue


@cache
def demo_catalogue() -> DemoCatalogue:
    """The packaged demo catalogue, read and checked once per process."""
    text = resources.files("catalog.demo").joinpath(CATALOGUE_FILE).read_text(encoding="utf-8")
    return parse_demo_catalogue(text)
