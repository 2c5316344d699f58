"""Quote requests: a partner asks and the request is routed into licensing in the same
transaction (quote, case, audit and outbox commit together or not at all). What happens
afterwards is in `catalog/quotes/workflow.py` (partner), `catalog/quotes/offers.py`
(manufacturer's offers and the partner's answer) and `catalog/licensing/cases.py` (officers);
reading is in `catalog/quotes/listing.py`.

The quote keeps the unit price it was routed on and the value its licence covers (price x
quantity), so a later price edit changes neither its case nor what its offers are held to.
The same idempotency key with any different field of the normalised request is a CONFLICT.
"""

import uuid
from dataclasses import dataclass, fields, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import require_active_partner, require_vetted_partner
from catalog.core.countries import is_iso_country
from catalog.core.currencies import EUR
from catalog.core.db import Database
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.idempotency import create_once
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, collect
from catalog.licensing.facts import decide, quote_facts, value_of
from catalog.licensing.intake import open_case
from catalog.licensing.rules import rule_set_for_routing
from catalog.models import Country, Organisation, Product, QuoteRequest
from catalog.models.base import utcnow
from catalog.programme.centres import delivery_centre
from catalog.programme.freezes import require_not_frozen
from catalog.quotes.invariants import require_units
from catalog.visibility import visible_products


@dataclass
class QuoteInput:
    product_id: uuid.UUID
    quantity: int
    delivery_country: str
    end_user: str
    end_use: str
    idempotency_key: str
    co_production: bool = False
    required_by: date | None = None
    notes: str | None = None
    export_centre_id: uuid.UUID | None = None


def _input_problems(given: QuoteInput, today: date) -> list[Problem]:
    problems = collect(
        check_length("idempotencyKey", given.idempotency_key.strip(), 1, 128),
        check_length("endUser", given.end_user.strip(), 1, 300),
        check_length("endUse", given.end_use.strip(), 1, 5000),
        check_length("notes", given.notes, 0, 5000),
    )
    if given.quantity < 1:
        problems.append(Problem("quantity must be at least 1", Codes.INVALID, "quantity"))
    if not is_iso_country(given.delivery_country):
        problems.append(
            Problem(
                f"{given.delivery_country!r} is not an ISO 3166-1 alpha-2 country code",
                Codes.UNKNOWN_COUNTRY,
                "deliveryCountry",
            )
        )
    if given.required_by is not None and given.required_by < today:
        problems.append(Problem("requiredBy is in the past", Codes.INVALID, "requiredBy"))
    return problems


async def _existing(
    session: AsyncSession, partner_org_id: uuid.UUID, key: str
) -> QuoteRequest | None:
    return await session.scalar(
        select(QuoteRequest).where(
            col(QuoteRequest.partner_org_id) == partner_org_id,
            col(QuoteRequest.idempotency_key) == key,
        )
    )


# The request as stored, field by field: a retry must match every one of them.
COMPARED = {
    "product_id": "productId",
    "quantity": "quantity",
    "delivery_country": "deliveryCountry",
    "end_user": "endUser",
    "end_use": "endUse",
    "co_production": "coProduction",
    "required_by": "requiredBy",
    "notes": "notes",
    "export_centre_id": "exportCentreId",
}
assert set(COMPARED) == {f.name for f in fields(QuoteInput)} - {"idempotency_key"}


def normalised(given: QuoteInput) -> QuoteInput:
    """The request as it is stored and compared: trimmed texts, upper-case country."""
    notes = given.notes.strip() if given.notes is not None else None
    return replace(
        given,
        delivery_country=given.delivery_country.strip().upper(),
        idempotency_key=given.idempotency_key.strip(),
        end_user=given.end_user.strip(),
        end_use=given.end_use.strip(),
        notes=notes or None,
    )


def _same_request(quote: QuoteRequest, given: QuoteInput) -> QuoteRequest:
    """A retry returns the first quote; the same key for a different request is a mistake."""
    differing = [
        label for name, label in COMPARED.items() if getattr(quote, name) != getattr(given, name)
    ]
    if differing:
        raise DomainError.one(
            "this idempotency key was already used for a different request "
            f"({', '.join(differing)} differ{'s' if len(differing) == 1 else ''})",
            Codes.CONFLICT,
            "idempotencyKey",
        )
    return quote


async def _lock_facts(
    tx: WriteTransaction, principal: Principal, given: QuoteInput
) -> tuple[Organisation, Country, Country, Product]:
    """The partner, its country, the delivery country and the product, read under share locks
    in the order every writer uses (countries, organisation, product): a concurrent
    embargo, vetting change, revocation or suspension waits for this quote, then sees it and
    holds it, or this quote waits and sees the change."""
    session = tx.session
    codes = sorted({principal.country or "", given.delivery_country})
    countries = {
        c.code: c
        for c in await session.scalars(
            select(Country).where(col(Country.code).in_(codes)).with_for_update(read=True)
        )
    }
    org = await session.scalar(
        select(Organisation)
        .where(col(Organisation.id) == principal.org_id)
        .with_for_update(read=True)
    )
    partner = require_vetted_partner(org)
    delivery = countries.get(given.delivery_country)
    if delivery is None:
        raise DomainError.one("unknown delivery country", Codes.UNKNOWN_COUNTRY, "deliveryCountry")
    await session.execute(
        select(col(Product.id))
        .where(col(Product.id) == given.product_id)
        .with_for_update(read=True)
    )
    # A statement of its own, after the locks: it sees every change committed before them.
    product = await session.scalar(
        select(Product).where(col(Product.id) == given.product_id, visible_products(principal))
    )
    if product is None:
        raise not_found("product", "productId")
    own = countries.get(partner.country)
    if own is None:
        own = await session.get_one(Country, partner.country)
    return partner, own, delivery, product


async def request_quote(db: Database, principal: Principal, given: QuoteInput) -> QuoteRequest:
    partner_id = require_active_partner(principal)
    given = normalised(given)
    return await create_once(
        db,
        earlier=lambda session: _existing(session, partner_id, given.idempotency_key),
        same=lambda earlier: _same_request(earlier, given),
        problems=lambda: _input_problems(given, utcnow().date()),
        create=lambda: _create_quote(db, principal, given),
    )


async def _create_quote(db: Database, principal: Principal, given: QuoteInput) -> QuoteRequest:
    async with write(db, principal) as tx:
        partner, partner_country, delivery, product = await _lock_facts(tx, principal, given)
        await require_not_frozen(tx.session, product)
        require_units(product, given.quantity)
        transit = None
        if given.export_centre_id is not None:
            _, transit = await delivery_centre(tx.session, given.export_centre_id, product)
        price = product.unit_price_eur
        quote = QuoteRequest(
            partner_org_id=partner.id,
            product_id=product.id,
            quantity=given.quantity,
            delivery_country=delivery.code,
            end_user=given.end_user,
            end_use=given.end_use,
            co_production=given.co_production,
            required_by=given.required_by,
            notes=given.notes,
            idempotency_key=given.idempotency_key,
            export_centre_id=given.export_centre_id,
            routed_unit_price_eur=price,
            licensed_value=value_of(price, given.quantity),
            licensed_currency=EUR if price is not None else None,
        )
        tx.session.add(quote)
        await tx.session.flush()  # a duplicate idempotency key fails here, before the routing
        facts = quote_facts(
            product,
            quantity=given.quantity,
            value_eur=quote.licensed_value,
            partner=partner_country,
            delivery=delivery,
            co_production=given.co_production,
            transit=transit,
        )
        decision = decide(facts, await rule_set_for_routing(tx), quote.created_at.date())
        tx.audit(
            "quote.requested",
            "QuoteRequest",
            quote.id,
            {
                "product": product.id,
                "quantity": quote.quantity,
                "delivery": delivery.code,
                "routed_unit_price_eur": price,
                "export_centre": given.export_centre_id,
            },
        )
        await open_case(tx, quote, decision)
        tx.emit("quote.changed", "QuoteRequest", quote.id)
    return quote
