"""The programme's structures in the demo (``demo_programme.json``): export centres and the
products they stock, production lines, sensitive technology, co-production requests and
domestic reserves. Seeded in
the demo's own transaction after the catalogue, so every product it names exists."""

import json
from datetime import date
from functools import cache
from importlib import resources
from typing import Annotated

from pydantic import ConfigDict, Field, TypeAdapter
from pydantic.dataclasses import dataclass
from sqlalchemy import select
from sqlmodel import col

from catalog.core.enums import CentreService, CentreStatus, ProductCategory
from catalog.core.transactions import WriteTransaction
from catalog.models import ExportCentre, Organisation, Product, ProductExportCentre, ProductionLine
from catalog.programme.coproduction import CoProductionInput, open_request

PROGRAMME_FILE = "demo_programme.json"
_STRICT = ConfigDict(extra="forbid")
Text = Annotated[str, Field(min_length=1)]
ProductRef = tuple[Text, Text]  # manufacturer slug, product name


@dataclass(frozen=True, config=_STRICT)
class DemoCentre:
    name: Text
    country: Text
    city: Text
    status: CentreStatus
    categories: tuple[ProductCategory, ...]
    services: tuple[CentreService, ...]
    products: tuple[ProductRef, ...]


@dataclass(frozen=True, config=_STRICT)
class DemoLine:
    product: ProductRef
    country: Text
    local_partner_name: Text
    since: date


@dataclass(frozen=True, config=_STRICT)
class DemoSensitive:
    product: ProductRef
    whole: bool
    parts: tuple[str, ...]


@dataclass(frozen=True, config=_STRICT)
class DemoReserve:
    product: ProductRef
    units: Annotated[int, Field(ge=0)]


@dataclass(frozen=True, config=_STRICT)
class DemoCoProduction:
    partner: Text  # the partner's organisation slug
    product: ProductRef
    production_country: Text
    local_partner_name: Text
    planned_units_per_year: Annotated[int, Field(gt=0)]
    technology_scope: tuple[str, ...]


@dataclass(frozen=True, config=_STRICT)
class DemoProgramme:
    about: str
    export_centres: tuple[DemoCentre, ...]
    production_lines: tuple[DemoLine, ...]
    sensitive: tuple[DemoSensitive, ...]
    co_production_requests: tuple[DemoCoProduction, ...]
    domestic_reserves: tuple[DemoReserve, ...]


@cache
def demo_programme() -> DemoProgramme:
    text = resources.files("catalog.demo").joinpath(PROGRAMME_FILE).read_text(encoding="utf-8")
    return TypeAdapter(DemoProgramme).validate_python(json.loads(text))


async def _products(tx: WriteTransaction) -> dict[tuple[str, str], Product]:
    rows = await tx.session.execute(
        select(col(Organisation.slug), Product).join(
            Organisation, col(Organisation.id) == col(Product.manufacturer_id)
        )
    )
    return {(slug, product.name): product for slug, product in rows}


async def seed_programme(tx: WriteTransaction) -> int:
    """Adds the demo's programme structures; returns how many centres it added."""
    programme = demo_programme()
    await tx.session.flush()
    products = await _products(tx)
    for spec in programme.export_centres:
        centre = ExportCentre(
            name=spec.name,
            country=spec.country,
            city=spec.city,
            status=spec.status,
            categories=sorted(str(c) for c in spec.categories),
            services=sorted(str(s) for s in spec.services),
        )
        tx.session.add(centre)
        tx.audit("export_centre.seeded", "ExportCentre", centre.id, {"name": centre.name})
        await tx.session.flush()
        for ref in spec.products:
            tx.session.add(ProductExportCentre(product_id=products[ref].id, centre_id=centre.id))
    for line in programme.production_lines:
        row = ProductionLine(
            product_id=products[line.product].id,
            country=line.country,
            local_partner_name=line.local_partner_name,
            since=line.since,
        )
        tx.session.add(row)
        tx.audit("production_line.seeded", "ProductionLine", row.id, {"country": row.country})
    for mark in programme.sensitive:
        products[mark.product].sensitive = mark.whole
        products[mark.product].sensitive_parts = sorted(mark.parts)
    for reserve in programme.domestic_reserves:
        # The catalogue's units_available is the export surplus: the reserve is kept besides.
        products[reserve.product].domestic_reserve = reserve.units
    await _co_production(tx, programme, products)
    return len(programme.export_centres)


async def _co_production(
    tx: WriteTransaction, programme: DemoProgramme, products: dict[tuple[str, str], Product]
) -> None:
    """Requests routed with the demo rule set, as a partner's would be (one is refused by the
    sensitive-technology gate)."""
    await tx.session.flush()  # the sensitivity marks and the rule set, for the routing
    for index, spec in enumerate(programme.co_production_requests):
        partner = await tx.session.scalar(
            select(Organisation).where(col(Organisation.slug) == spec.partner)
        )
        assert partner is not None, spec.partner
        given = CoProductionInput(
            product_id=products[spec.product].id,
            production_country=spec.production_country,
            local_partner_name=spec.local_partner_name,
            planned_units_per_year=spec.planned_units_per_year,
            technology_scope=sorted(spec.technology_scope),
            idempotency_key=f"demo-co-production-{index + 1}",
        )
        await open_request(tx, partner, products[spec.product], given)
