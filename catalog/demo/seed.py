"""The demo catalogue: organisations, products, releases and the default routing rules.

Seeding is idempotent: it does nothing when the demo curator already exists.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from catalog.core.db import Database
from catalog.core.enums import OrgKind, ProductCategory, ProductStatus, TechTransfer, VettingStatus
from catalog.core.principal import SYSTEM
from catalog.core.transactions import WriteTransaction, write
from catalog.demo import data as demo_data
from catalog.licensing.rules import rule_snapshot
from catalog.models import Organisation, Product, Release, RoutingRule, RuleSetVersion


@dataclass(frozen=True)
class SeedResult:
    created: bool
    organisations: int
    products: int
    releases: int
    rules: int


def _organisation(spec: dict[str, Any], kind: OrgKind, vetting: VettingStatus) -> Organisation:
    return Organisation(
        slug=spec["slug"], name=spec["name"], kind=kind, country=spec["country"], vetting=vetting
    )


def _demo_organisations() -> list[Organisation]:
    orgs = [
        _organisation(m, OrgKind.MANUFACTURER, VettingStatus.VETTED)
        for m in demo_data.MANUFACTURERS
    ]
    orgs += [
        _organisation(p, OrgKind.PARTNER, VettingStatus(p["vetting"])) for p in demo_data.PARTNERS
    ]
    orgs.append(_organisation(demo_data.CURATOR, OrgKind.CURATOR, VettingStatus.VETTED))
    orgs.append(_organisation(demo_data.LICENSING, OrgKind.LICENSING, VettingStatus.VETTED))
    return orgs


def _product(spec: dict[str, Any], manufacturer: Organisation, created_at: datetime) -> Product:
    status = ProductStatus(spec["status"])
    return Product(
        manufacturer_id=manufacturer.id,
        sku=spec["sku"],
        name=spec["name"],
        category=ProductCategory(spec["category"]),
        summary=spec["summary"],
        description=spec["description"],
        specs=spec["specs"],
        combat_record=spec["combat_record"],
        control_entry=spec["control_entry"],
        tech_transfer=TechTransfer(spec["tech_transfer"]),
        units_available=spec["units_available"],
        lead_time_days=spec["lead_time_days"],
        unit_price_eur=Decimal(spec["unit_price_eur"]),
        status=status,
        created_at=created_at,
        updated_at=created_at,
        published_at=created_at if status is ProductStatus.PUBLISHED else None,
    )


def _rule(spec: dict[str, Any]) -> RoutingRule:
    return RoutingRule(
        name=spec["name"],
        tier=spec["tier"],
        conditions=spec["conditions"],
        queue=spec["queue"],
        flags=spec["flags"],
        sla_working_days=spec["sla_working_days"],
        approvals_required=spec["approvals_required"],
    )


async def _add_catalogue(
    tx: WriteTransaction, curator: Organisation, by_slug: dict[str, Organisation]
) -> tuple[int, int]:
    products = releases = 0
    base = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for index, spec in enumerate(demo_data.PRODUCTS):
        created_at = base.replace(day=1 + index % 28, month=1 + index % 10)
        product = _product(spec, by_slug[spec["manufacturer"]], created_at)
        tx.session.add(product)
        products += 1
        tx.audit(
            "product.seeded",
            "Product",
            product.id,
            {"name": product.name, "status": product.status},
        )
        tx.emit("product.changed", "Product", product.id)
        for country in spec["released_to"]:
            tx.session.add(
                Release(product_id=product.id, country=country, released_by_org_id=curator.id)
            )
            releases += 1
    return products, releases


async def seed_demo(db: Database) -> SeedResult:
    async with db.read() as session:
        exists = await session.scalar(
            select(Organisation.id).where(Organisation.slug == demo_data.CURATOR["slug"])
        )
    if exists is not None:
        return SeedResult(False, 0, 0, 0, 0)

    async with write(db, SYSTEM) as tx:
        orgs = _demo_organisations()
        tx.session.add_all(orgs)
        for org in orgs:
            tx.audit(
                "organisation.seeded", "Organisation", org.id, {"slug": org.slug, "kind": org.kind}
            )
        await tx.session.flush()
        by_slug = {org.slug: org for org in orgs}
        curator = by_slug[demo_data.CURATOR["slug"]]
        products, releases = await _add_catalogue(tx, curator, by_slug)

        rules = [_rule(spec) for spec in demo_data.DEMO_ROUTING_RULES]
        tx.session.add_all(rules)
        tx.session.add(
            RuleSetVersion(
                version=1, created_by="system:seed", rules=[rule_snapshot(r) for r in rules]
            )
        )
        tx.audit("routing.rule_set_versioned", "RuleSetVersion", "1", {"rules": len(rules)})
    return SeedResult(True, len(orgs), products, releases, len(rules))
