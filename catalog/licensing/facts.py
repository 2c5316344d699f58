"""Routing facts from the database, built one way for every caller: a new quote, an offer sent
back to review, and an officer's simulation. So the hard gates (embargo, partner-country list,
re-export, technology transfer) apply alike everywhere."""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import require_simulation_officer
from catalog.core.enums import ProductCategory, TechTransfer
from catalog.core.errors import Codes, DomainError, not_found
from catalog.core.principal import Principal
from catalog.licensing.routing import QuoteFacts, RoutingDecision, route
from catalog.licensing.rules import RuleSet, current_rule_set
from catalog.models import Country, ExportCentre, Product
from catalog.visibility import visible_products


class RoutedProduct(Protocol):
    """What routing reads of a product: a `Product` row, or the same columns read alone."""

    @property
    def category(self) -> ProductCategory: ...
    @property
    def control_entry(self) -> str: ...
    @property
    def tech_transfer(self) -> TechTransfer: ...


class RoutedCountry(Protocol):
    """What routing reads of a country: a `Country` row, or the same columns read alone."""

    @property
    def code(self) -> str: ...
    @property
    def embargoed(self) -> bool: ...
    @property
    def eu(self) -> bool: ...
    @property
    def nato(self) -> bool: ...
    @property
    def partner(self) -> bool: ...


def value_of(unit_price_eur: Decimal | None, quantity: int) -> Decimal | None:
    """A quote's value in EUR; unknown (None) without a price."""
    return unit_price_eur * quantity if unit_price_eur is not None else None


def quote_facts(
    product: RoutedProduct,
    *,
    quantity: int,
    value_eur: Decimal | None,
    partner: RoutedCountry,
    delivery: RoutedCountry,
    co_production: bool,
    transit: RoutedCountry | None = None,
) -> QuoteFacts:
    """The facts routing sees. The value is given (a snapshot or an offer's total), never read
    from the product's live price. `transit`: the country of the export centre the delivery
    goes through."""
    return QuoteFacts(
        category=str(product.category),
        control_entry=product.control_entry,
        tech_transfer=str(product.tech_transfer),
        quantity=quantity,
        value_eur=value_eur,
        partner_country=partner.code,
        delivery_country=delivery.code,
        delivery_eu=delivery.eu,
        delivery_nato=delivery.nato,
        delivery_embargoed=delivery.embargoed,
        delivery_listed=delivery.partner,
        partner_embargoed=partner.embargoed,
        partner_listed=partner.partner,
        co_production=co_production,
        transit_country=transit.code if transit is not None else None,
        transit_listed=transit.partner if transit is not None else True,
        transit_embargoed=transit.embargoed if transit is not None else False,
    )


async def transit_of(session: AsyncSession, export_centre_id: uuid.UUID | None) -> Country | None:
    """The country of the export centre a quote is delivered through (None: direct)."""
    if export_centre_id is None:
        return None
    centre = await session.get_one(ExportCentre, export_centre_id)
    return await session.get_one(Country, centre.country)


def decide(facts: QuoteFacts, rule_set: RuleSet, today: date) -> RoutingDecision:
    return route(
        facts,
        rule_set.rules,
        rule_set_version=rule_set.version,
        submitted_on=today,
        queue_precedence=rule_set.queue_precedence,
    )


@dataclass
class SimulationInput:
    """Either a product (its category, control entry, technology transfer and price are used)
    or those facts given directly."""

    quantity: int
    partner_country: str
    delivery_country: str
    co_production: bool = False
    product_id: uuid.UUID | None = None
    category: ProductCategory | None = None
    control_entry: str | None = None
    tech_transfer: TechTransfer | None = None
    unit_price_eur: Decimal | None = None


async def country_row(session: AsyncSession, code: str, field_name: str) -> Country:
    country = await session.get(Country, code.strip().upper())
    if country is None:
        raise DomainError.one(
            f"{code} is not an ISO country code", Codes.UNKNOWN_COUNTRY, field_name
        )
    return country


async def _simulated_product(
    session: AsyncSession, principal: Principal, given: SimulationInput
) -> Product:
    if given.product_id is not None:
        product = await session.scalar(
            select(Product).where(col(Product.id) == given.product_id, visible_products(principal))
        )
        if product is None:
            raise not_found("product", "productId")
        return product
    if given.category and given.control_entry and given.tech_transfer:
        return Product(
            manufacturer_id=uuid.UUID(int=0),
            sku="simulation",
            name="simulation",
            summary="simulation",
            category=given.category,
            control_entry=given.control_entry.strip(),
            tech_transfer=given.tech_transfer,
            unit_price_eur=given.unit_price_eur,
        )
    raise DomainError.one(
        "give a productId, or category, controlEntry and techTransfer", Codes.INVALID
    )


async def simulate_routing(
    session: AsyncSession, principal: Principal, given: SimulationInput, today: date
) -> RoutingDecision:
    """Route hypothetical facts with the current rule set, as `requestQuote` would; nothing
    is written."""
    require_simulation_officer(principal)
    if given.quantity < 1:
        raise DomainError.one("quantity must be at least 1", Codes.INVALID, "quantity")
    partner = await country_row(session, given.partner_country, "partnerCountry")
    delivery = await country_row(session, given.delivery_country, "deliveryCountry")
    product = await _simulated_product(session, principal, given)
    price = given.unit_price_eur if given.product_id is None else product.unit_price_eur
    facts = quote_facts(
        product,
        quantity=given.quantity,
        value_eur=value_of(price, given.quantity),
        partner=partner,
        delivery=delivery,
        co_production=given.co_production,
    )
    return decide(facts, await current_rule_set(session), today)
