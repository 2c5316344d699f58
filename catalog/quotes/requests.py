"""Quote requests: a partner asks and the request is routed into licensing in the same
transaction (quote, case, audit and outbox commit together or not at all). What happens
afterwards is in `catalog/quotes/workflow.py` (partner and manufacturer) and
`catalog/licensing/cases.py` (officers); reading is in `catalog/quotes/listing.py`.
"""

import uuid
from dataclasses import dataclass, replace
from datetime import date

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.access import require_active_partner, require_vetted_partner
from catalog.core.countries import is_iso_country
from catalog.core.db import Database
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, collect
from catalog.licensing.intake import open_case
from catalog.licensing.routing import route
from catalog.licensing.rules import facts_for, rule_set_for_routing
from catalog.models import Country, Organisation, Product, QuoteRequest
from catalog.models.base import utcnow
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
            QuoteRequest.partner_org_id == partner_org_id, QuoteRequest.idempotency_key == key
        )
    )


def _same_request(quote: QuoteRequest, given: QuoteInput) -> QuoteRequest:
    """A retry returns the first quote; the same key for a different request is a mistake."""
    if (quote.product_id, quote.quantity, quote.delivery_country) != (
        given.product_id,
        given.quantity,
        given.delivery_country,
    ):
        raise DomainError.one(
            "this idempotency key was already used for a different request",
            Codes.CONFLICT,
            "idempotencyKey",
        )
    return quote


async def _requesting_partner(tx: WriteTransaction, principal: Principal) -> Organisation:
    return require_vetted_partner(await tx.session.get(Organisation, principal.org_id))


async def request_quote(db: Database, principal: Principal, given: QuoteInput) -> QuoteRequest:
    partner_id = require_active_partner(principal)
    given = replace(
        given,
        delivery_country=given.delivery_country.strip().upper(),
        idempotency_key=given.idempotency_key.strip(),
    )
    async with db.read() as session:
        earlier = await _existing(session, partner_id, given.idempotency_key)
    if earlier is not None:
        return _same_request(earlier, given)
    problems = _input_problems(given, utcnow().date())
    if problems:
        raise DomainError(problems)
    try:
        return await _create_quote(db, principal, given)
    except IntegrityError as error:
        # A concurrent retry with the same key won the race: answer with its quote.
        async with db.read() as session:
            earlier = await _existing(session, partner_id, given.idempotency_key)
        if earlier is None:
            # Another constraint, e.g. two first-ever quotes both making rule-set version 1.
            raise DomainError.one(
                "a conflicting change happened; try again", Codes.CONFLICT
            ) from error
        return _same_request(earlier, given)


async def _create_quote(db: Database, principal: Principal, given: QuoteInput) -> QuoteRequest:
    async with write(db, principal) as tx:
        partner = await _requesting_partner(tx, principal)
        product = await tx.session.scalar(
            select(Product).where(Product.id == given.product_id, visible_products(principal))
        )
        if product is None:
            raise not_found("product", "productId")
        if given.quantity > product.units_available:
            raise DomainError.one(
                f"only {product.units_available} units are available for export",
                Codes.INVALID,
                "quantity",
            )
        delivery = await tx.session.get(Country, given.delivery_country)
        if delivery is None:
            raise DomainError.one(
                "unknown delivery country", Codes.UNKNOWN_COUNTRY, "deliveryCountry"
            )
        quote = QuoteRequest(
            partner_org_id=partner.id,
            product_id=product.id,
            quantity=given.quantity,
            delivery_country=delivery.code,
            end_user=given.end_user.strip(),
            end_use=given.end_use.strip(),
            co_production=given.co_production,
            required_by=given.required_by,
            notes=given.notes,
            idempotency_key=given.idempotency_key,
        )
        tx.session.add(quote)
        await tx.session.flush()  # a duplicate idempotency key fails here, before the routing
        version, rules = await rule_set_for_routing(tx)
        facts = facts_for(
            product,
            quantity=given.quantity,
            partner_country=partner.country,
            delivery=delivery,
            co_production=given.co_production,
        )
        decision = route(
            facts, rules, rule_set_version=version, submitted_on=quote.created_at.date()
        )
        tx.audit(
            "quote.requested",
            "QuoteRequest",
            quote.id,
            {"product": product.id, "quantity": quote.quantity, "delivery": delivery.code},
        )
        await open_case(tx, quote, decision)
        tx.emit("quote.changed", "QuoteRequest", quote.id)
    return quote
