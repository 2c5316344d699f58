"""Seeding the demo catalogue (catalog/demo/demo_catalogue.json): organisations, products,
releases and the default routing rules with rule-set version 1.

Seeding is idempotent: it does nothing when the demo curator already exists.
"""

import copy
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import select
from sqlmodel import col

from catalog.core.db import Database
from catalog.core.enums import OrgKind, ProductStatus, VettingStatus
from catalog.core.principal import SYSTEM
from catalog.core.transactions import WriteTransaction, write
from catalog.demo.catalogue import DemoCatalogue, DemoOrganisation, DemoProduct, demo_catalogue
from catalog.licensing.rules import rule_snapshot
from catalog.models import Organisation, Product, Release, RoutingRule, RuleSetVersion


@dataclass(frozen=True)
class SeedResult:
    created: bool
    organisations: int
    products: int
    releases: int
    rules: int


def _organisation(spec: DemoOrganisation, kind: OrgKind, vetting: VettingStatus) -> Organisation:
    return Organisation(
        slug=spec.slug, name=spec.name, kind=kind, country=spec.country, vetting=vetting
    )


def _demo_organisations(catalogue: DemoCatalogue) -> list[Organisation]:
    orgs = [
        _organisation(m, OrgKind.MANUFACTURER, VettingStatus.VETTED)
        for m in catalogue.manufacturers
    ]
    orgs += [_organisation(p, OrgKind.PARTNER, p.vetting) for p in catalogue.partners]
    orgs.append(_organisation(catalogue.curator, OrgKind.CURATOR, VettingStatus.VETTED))
    orgs.append(_organisation(catalogue.licensing, OrgKind.LICENSING, VettingStatus.VETTED))
    return orgs


def _product(spec: DemoProduct, manufacturer: Organisation, created_at: datetime) -> Product:
    # Copies of the JSON values: the catalogue is cached per process and must stay as read.
    return Product(
        manufacturer_id=manufacturer.id,
        sku=spec.sku,
        name=spec.name,
        category=spec.category,
        summary=spec.summary,
        description=spec.description,
        specs=copy.deepcopy(spec.specs),
        combat_record=copy.deepcopy(spec.combat_record),
        control_entry=spec.control_entry,
        tech_transfer=spec.tech_transfer,
        units_available=spec.units_available,
        lead_time_days=spec.lead_time_days,
        unit_price_eur=spec.unit_price_eur,
        status=spec.status,
        created_at=created_at,
        updated_at=created_at,
        published_at=created_at if spec.status is ProductStatus.PUBLISHED else None,
    )


async def _add_catalogue(
    tx: WriteTransaction,
    catalogue: DemoCatalogue,
    curator: Organisation,
    by_slug: dict[str, Organisation],
) -> tuple[int, int]:
    products = releases = 0
    base = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)
    for index, spec in enumerate(catalogue.products):
        created_at = base.replace(day=1 + index % 28, month=1 + index % 10)
        product = _product(spec, by_slug[spec.manufacturer], created_at)
        tx.session.add(product)
        products += 1
        tx.audit(
            "product.seeded",
            "Product",
            product.id,
            {"name": product.name, "status": product.status},
        )
        tx.emit("product.changed", "Product", product.id)
        for country in spec.released_to:
            tx.session.add(
                Release(product_id=product.id, country=country, released_by_org_id=curator.id)
            )
            releases += 1
    return products, releases


async def seed_demo(db: Database) -> SeedResult:
    catalogue = demo_catalogue()
    async with db.read() as session:
        exists = await session.scalar(
            select(col(Organisation.id)).where(col(Organisation.slug) == catalogue.curator.slug)
        )
    if exists is not None:
        return SeedResult(False, 0, 0, 0, 0)

    async with write(db, SYSTEM) as tx:
        orgs = _demo_organisations(catalogue)
        tx.session.add_all(orgs)
        for org in orgs:
            tx.audit(
                "organisation.seeded", "Organisation", org.id, {"slug": org.slug, "kind": org.kind}
            )
        await tx.session.flush()
        by_slug = {org.slug: org for org in orgs}
        curator = by_slug[catalogue.curator.slug]
        products, releases = await _add_catalogue(tx, catalogue, curator, by_slug)

        rules = [RoutingRule(**spec.columns()) for spec in catalogue.routing_rules]
        tx.session.add_all(rules)
        tx.session.add(
            RuleSetVersion(
                version=1,
                created_by="system:seed",
                rules=[rule_snapshot(r) for r in rules],
                queue_precedence=list(catalogue.queue_precedence),
            )
        )
        tx.audit("routing.rule_set_versioned", "RuleSetVersion", "1", {"rules": len(rules)})
    return SeedResult(True, len(orgs), products, releases, len(rules))
