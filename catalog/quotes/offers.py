"""The manufacturer's offers on a licensed quote and the partner's answer to them.

- An offer is made once a licence is granted and may be revised until it is accepted; every
  revision is kept (`quote_offer`) and audited.
- An offer whose total exceeds the value the licence covers (`licensed_value`, in its
  currency) never reaches the partner: the case goes back to review (OPEN, flag
  OFFER_ABOVE_LICENSED_VALUE), routed again on the offer's value, the offer pending. An offer in
  another currency than the licence cannot be compared without a rate, so it goes to review too
  (flag OFFER_CURRENCY_REVIEW), routed with an unknown value. A quote routed without a price was
  reviewed as of unbounded value: its offers go straight to the partner.
- Accepting moves the quote's units from the product's surplus (`units_available`) to
  `units_reserved` in one conditional UPDATE; when they are not there: INSUFFICIENT_UNITS.
- Making an offer and accepting one re-check the export-control invariants
  (`catalog/quotes/invariants.py`): a held or no-longer-allowed quote answers NOT_ALLOWED.
"""

import uuid
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any, cast

from sqlalchemy import CursorResult, select, update
from sqlmodel import col

from catalog.access import require_offering_manufacturer, require_requesting_partner, visible_quotes
from catalog.core.currencies import is_currency
from catalog.core.db import Database
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_range, collect
from catalog.licensing.intake import FLAG_OFFER_ABOVE_LICENCE, FLAG_OFFER_CURRENCY, review_offer
from catalog.licensing.transitions import QuoteAction, next_quote_status
from catalog.models import Product, QuoteOffer, QuoteRequest
from catalog.models.base import utcnow
from catalog.quotes.invariants import require_exportable, require_units
from catalog.quotes.workflow import case_of, move, quote_for_update

CENTS = Decimal("0.01")


@dataclass
class OfferInput:
    unit_price: Decimal
    currency: str
    lead_time_days: int
    valid_until: date


def _checked(offer: OfferInput) -> OfferInput:
    currency = offer.currency.strip().upper()
    problems = collect(
        check_range("unitPrice", offer.unit_price, 0, 1_000_000_000),
        check_range("leadTimeDays", offer.lead_time_days, 0, 3650),
    )
    if not is_currency(currency):
        problems.append(
            Problem(
                f"{offer.currency!r} is not an ISO 4217 currency code (e.g. EUR)",
                Codes.BAD_USER_INPUT,
                "currency",
            )
        )
    if offer.valid_until < utcnow().date():
        problems.append(Problem("validUntil is in the past", Codes.INVALID, "validUntil"))
    if problems:
        raise DomainError(problems)
    price = offer.unit_price.quantize(CENTS)  # as stored, so totals compare as stored
    return OfferInput(price, currency, offer.lead_time_days, offer.valid_until)


def review_flag(quote: QuoteRequest, currency: str, total: Decimal) -> str | None:
    """Why an offer must go back to licensing review first, or None when the licence covers it."""
    if quote.licensed_value is None:
        return None  # routed as of unknown (unbounded) value
    if currency != quote.licensed_currency:
        return FLAG_OFFER_CURRENCY
    return FLAG_OFFER_ABOVE_LICENCE if total > quote.licensed_value else None


def _record(
    tx: WriteTransaction, quote: QuoteRequest, offer: OfferInput, total: Decimal, pending: bool
) -> QuoteOffer:
    quote.offer_revision += 1
    quote.offer_unit_price = offer.unit_price
    quote.offer_currency = offer.currency
    quote.offer_lead_time_days = offer.lead_time_days
    quote.offer_valid_until = offer.valid_until
    quote.offer_pending = pending
    row = QuoteOffer(
        quote_request_id=quote.id,
        revision=quote.offer_revision,
        unit_price=offer.unit_price,
        currency=offer.currency,
        lead_time_days=offer.lead_time_days,
        valid_until=offer.valid_until,
        total=total,
        went_to_review=pending,
        released_at=None if pending else utcnow(),
        created_by=tx.actor.subject,
    )
    tx.session.add(row)
    return row


async def respond_to_quote(
    db: Database, principal: Principal, quote_id: uuid.UUID, given: OfferInput
) -> QuoteRequest:
    require_offering_manufacturer(principal)
    offer = _checked(given)
    async with write(db, principal) as tx:
        quote = await quote_for_update(tx, principal, quote_id)
        revising = quote.offer_revision > 0
        next_quote_status(quote.status, QuoteAction.RESPOND)  # licensed, or offered: a revision
        case = await case_of(tx, quote.id)
        await require_exportable(tx.session, quote, case)
        product = await tx.session.get_one(Product, quote.product_id)
        require_units(product, quote.quantity)
        total = offer.unit_price * quote.quantity
        flag = review_flag(quote, offer.currency, total)
        row = _record(tx, quote, offer, total, pending=flag is not None)
        data = {
            "revision": row.revision,
            "unit_price": offer.unit_price,
            "currency": offer.currency,
            "total": total,
            "licensed_value": quote.licensed_value,
            "licensed_currency": quote.licensed_currency,
            "revised": revising,
        }
        if flag is None:
            move(tx, quote, QuoteAction.RESPOND, data)
        else:
            value = total if offer.currency == quote.licensed_currency else None
            await review_offer(tx, quote, case, product, value_eur=value, flag=flag)
            move(tx, quote, QuoteAction.REVIEW_OFFER, {**data, "review": flag})
    return quote


async def _accepting(tx: WriteTransaction, principal: Principal, quote_id: uuid.UUID) -> None:
    """Lock the quote's product first: the lock order of every writer is product, quote, case."""
    product_id = await tx.session.scalar(
        select(col(QuoteRequest.product_id)).where(
            col(QuoteRequest.id) == quote_id, visible_quotes(principal)
        )
    )
    if product_id is None:
        raise not_found("quote request", "quoteRequestId")
    await tx.session.execute(
        select(col(Product.id)).where(col(Product.id) == product_id).with_for_update()
    )


async def _reserve(tx: WriteTransaction, quote: QuoteRequest) -> None:
    """One conditional UPDATE moves the units from the surplus to the reserve, or nothing."""
    reserved = await tx.session.execute(
        update(Product)
        .where(col(Product.id) == quote.product_id, col(Product.units_available) >= quote.quantity)
        .values(
            units_available=Product.units_available - quote.quantity,
            units_reserved=Product.units_reserved + quote.quantity,
            updated_at=utcnow(),
        )
    )
    # An UPDATE without RETURNING yields a CursorResult; execute() is typed for any statement.
    if cast(CursorResult[Any], reserved).rowcount != 1:
        raise DomainError.one(
            f"the {quote.quantity} units of this quote are no longer available for export",
            Codes.INSUFFICIENT_UNITS,
            "quoteRequestId",
        )
    tx.audit(
        "product.units_reserved",
        "Product",
        quote.product_id,
        {"quote": quote.id, "units": quote.quantity},
    )
    tx.emit("product.changed", "Product", quote.product_id)


async def settle_offer(
    db: Database, principal: Principal, quote_id: uuid.UUID, accept: bool
) -> QuoteRequest:
    """The partner accepts or declines the manufacturer's offer."""
    require_requesting_partner(principal)
    async with write(db, principal) as tx:
        if accept:
            await _accepting(tx, principal, quote_id)
        quote = await quote_for_update(tx, principal, quote_id)
        action = QuoteAction.ACCEPT if accept else QuoteAction.DECLINE
        next_quote_status(quote.status, action)
        if not accept:
            move(tx, quote, action, {"revision": quote.offer_revision})
            return quote
        expired = quote.offer_valid_until is not None and quote.offer_valid_until < utcnow().date()
        if expired:
            raise DomainError.one(
                f"the offer expired on {quote.offer_valid_until}", Codes.INVALID_TRANSITION
            )
        await require_exportable(tx.session, quote, await case_of(tx, quote.id))
        await _reserve(tx, quote)
        move(tx, quote, action, {"revision": quote.offer_revision, "units": quote.quantity})
    return quote
