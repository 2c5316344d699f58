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
from datetime import date, datetime
from decimal import Decimal
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import require_active_partner, require_vetted_partner
from catalog.core.countries import is_iso_country
from catalog.core.currencies import EUR
from catalog.core.db import Database
from catalog.core.enums import QuoteStatus
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.idempotency import FoundEarlier, create_or_find
from catalog.core.principal import OrganisationRow, Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, collect
from catalog.licensing.facts import decide, quote_facts, value_of
from catalog.licensing.intake import CaseRow, open_case
from catalog.licensing.rules import routing_rule_set
from catalog.models import Organisation as Organisation  # named through this module too
from catalog.models import QuoteRequest
from catalog.models.base import new_id, table_of, utcnow
from catalog.programme.centres import delivery_centre
from catalog.programme.freezes import require_not_frozen
from catalog.quotes.invariants import require_units
from catalog.quotes.subject import Subject, lock, read_subject

_QUOTE = table_of(QuoteRequest)
# A quote as the model's instance, or, for a quote just written, as the plain row written (the
# same attribute names): building two ORM instances for the answer cost a new quote more than
# a tenth of its instructions, and nothing reads them through a session.
QuoteRow = QuoteRequest | SimpleNamespace
# Statements built once: the same object every time skips building it and its cache key.
_INSERT_QUOTE = sa.insert(_QUOTE)


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


def _same_request(quote: QuoteRow, given: QuoteInput) -> QuoteRow:
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


@dataclass(frozen=True, slots=True)
class Requested:
    """The answer to a quote request: the quote, and the case this request opened for it
    (None when the answer is an earlier request's quote: its case is read as any other)."""

    quote: QuoteRow
    case: CaseRow | None


async def _earlier(session: AsyncSession, partner_id: uuid.UUID, key: str) -> Requested | None:
    found = await _existing(session, partner_id, key)
    return Requested(found, None) if found is not None else None


async def _load(session: AsyncSession, quote_id: object) -> Requested:
    assert isinstance(quote_id, uuid.UUID)
    return Requested(await session.get_one(QuoteRequest, quote_id), None)


async def request(db: Database, principal: Principal, given: QuoteInput) -> Requested:
    partner_id = require_active_partner(principal)
    given = normalised(given)
    return await create_or_find(
        db,
        earlier=lambda session: _earlier(session, partner_id, given.idempotency_key),
        load=_load,
        same=lambda earlier: Requested(_same_request(earlier.quote, given), None),
        problems=lambda: _input_problems(given, utcnow().date()),
        create=lambda: _create_quote(db, principal, given),
    )


async def request_quote(db: Database, principal: Principal, given: QuoteInput) -> QuoteRow:
    return (await request(db, principal, given)).quote


async def _checked(tx: WriteTransaction, principal: Principal, given: QuoteInput) -> Subject:
    """Locks, the look-up of an earlier quote with the key, then the facts, checked in the
    order the answers take precedence (catalog/quotes/subject.py)."""
    conn = await tx.session.connection()
    earlier = await lock(
        conn, principal, given.product_id, given.delivery_country, given.idempotency_key
    )
    if earlier is not None:
        raise FoundEarlier(earlier)
    subject = await read_subject(conn, principal, given.product_id, given.delivery_country)
    require_vetted_partner(subject.partner)
    if subject.delivery is None:
        raise DomainError.one("unknown delivery country", Codes.UNKNOWN_COUNTRY, "deliveryCountry")
    if subject.product is None:
        raise not_found("product", "productId")
    if subject.freezes_active:
        await require_not_frozen(tx.session, subject.product)
    require_units(subject.product, given.quantity)
    return subject


def _quote_row(
    partner: OrganisationRow, given: QuoteInput, price: Decimal | None, now: datetime
) -> dict[str, Any]:
    """Every column of the new quote, as the model's defaults would fill it."""
    return {
        "id": new_id(),
        "partner_org_id": partner.id,
        "product_id": given.product_id,
        "quantity": given.quantity,
        "delivery_country": given.delivery_country,
        "end_user": given.end_user,
        "end_use": given.end_use,
        "co_production": given.co_production,
        "export_centre_id": given.export_centre_id,
        "required_by": given.required_by,
        "notes": given.notes,
        "idempotency_key": given.idempotency_key,
        "status": QuoteStatus.LICENSING_REVIEW,
        "refusal_reason": None,
        "info_request": None,
        "info_response": None,
        "routed_unit_price_eur": price,
        "licensed_value": value_of(price, given.quantity),
        "licensed_currency": EUR if price is not None else None,
        "offer_unit_price": None,
        "offer_currency": None,
        "offer_lead_time_days": None,
        "offer_valid_until": None,
        "offer_revision": 0,
        "offer_pending": False,
        "created_at": now,
        "updated_at": now,
    }


async def _create_quote(db: Database, principal: Principal, given: QuoteInput) -> Requested:
    async with write(db, principal) as tx:
        subject = await _checked(tx, principal, given)
        partner, product = subject.partner, subject.product
        assert partner is not None and product is not None and subject.delivery is not None
        assert subject.own is not None  # organisation.country references a country row
        transit = None
        if given.export_centre_id is not None:
            _, transit = await delivery_centre(tx.session, given.export_centre_id, product)
        price = product.unit_price_eur
        now = utcnow()
        row = _quote_row(partner, given, price, now)
        facts = quote_facts(
            product,
            quantity=given.quantity,
            value_eur=row["licensed_value"],
            partner=subject.own,
            delivery=subject.delivery,
            co_production=given.co_production,
            transit=transit,
        )
        rule_set = await routing_rule_set(tx, subject.rule_set_version)
        decision = decide(facts, rule_set, now.date())
        if decision.refused:
            row["status"] = QuoteStatus.REFUSED
            row["refusal_reason"] = decision.refusal_reason
        await (await tx.session.connection()).execute(_INSERT_QUOTE, row)
        tx.audit(
            "quote.requested",
            "QuoteRequest",
            row["id"],
            {
                "product": product.id,
                "quantity": given.quantity,
                "delivery": subject.delivery.code,
                "routed_unit_price_eur": price,
                "export_centre": given.export_centre_id,
            },
        )
        case = await open_case(tx, row["id"], decision, now)
        tx.emit("quote.changed", "QuoteRequest", row["id"])
    # Every column is given, so no default is computed again; nothing is read back.
    return Requested(SimpleNamespace(**row), SimpleNamespace(**case))
