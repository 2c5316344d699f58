"""Quote requests: a partner asks and the request is routed into licensing in the same
transaction (quote, case, audit and outbox commit together or not at all); who sees which
quote; listing. What happens afterwards is in `catalog/quote_workflow.py` (partner and
manufacturer) and `catalog/licensing_cases.py` (officers).

Who sees a quote (`visible_quotes`): the partner organisation that asked, the manufacturer of
the product, and licensing officers. Anyone else gets "not found".
"""

import uuid
from dataclasses import dataclass, replace
from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, Select, false, func, select, true
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.countries import is_iso_country
from catalog.db import Database
from catalog.enums import CaseStatus, OrgKind, QuoteStatus, VettingStatus
from catalog.errors import Codes, DomainError, Problem, not_found
from catalog.licensing import RoutingDecision, route
from catalog.models import Country, LicensingCase, Organisation, Product, QuoteRequest
from catalog.models.base import utcnow
from catalog.pagination import (
    Page,
    SortColumn,
    after_clause,
    decode_cursor,
    encode_cursor,
    order_by,
)
from catalog.principal import Principal
from catalog.routing_rules import facts_for, rule_set_for_routing
from catalog.transactions import WriteTransaction, write
from catalog.validation import check_length, collect
from catalog.visibility import visible_products


def visible_quotes(principal: Principal) -> ColumnElement[bool]:
    if principal.kind is OrgKind.LICENSING:
        return true()
    if principal.org_id is None:
        return false()
    if principal.kind is OrgKind.PARTNER and principal.vetting is VettingStatus.VETTED:
        return QuoteRequest.partner_org_id == principal.org_id  # type: ignore[return-value]
    if principal.kind is OrgKind.MANUFACTURER:
        own = select(Product.id).where(Product.manufacturer_id == principal.org_id)
        return QuoteRequest.product_id.in_(own)  # type: ignore[attr-defined,no-any-return]
    return false()


def sees_partner_notes(principal: Principal) -> bool:
    """The partner's own notes are for the partner and licensing, not the manufacturer."""
    return principal.kind in (OrgKind.PARTNER, OrgKind.LICENSING)


# ---------------------------------------------------------------- requesting


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
    org = await tx.session.get(Organisation, principal.org_id)
    if org is None or org.kind is not OrgKind.PARTNER or org.vetting is not VettingStatus.VETTED:
        raise DomainError.one("only vetted partner organisations request quotes", Codes.FORBIDDEN)
    return org


async def request_quote(db: Database, principal: Principal, given: QuoteInput) -> QuoteRequest:
    if not principal.is_active_partner or principal.org_id is None:
        raise DomainError.one("only vetted partner organisations request quotes", Codes.FORBIDDEN)
    given = replace(
        given,
        delivery_country=given.delivery_country.strip().upper(),
        idempotency_key=given.idempotency_key.strip(),
    )
    async with db.read() as session:
        earlier = await _existing(session, principal.org_id, given.idempotency_key)
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
            earlier = await _existing(session, principal.org_id, given.idempotency_key)
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


async def open_case(
    tx: WriteTransaction, quote: QuoteRequest, decision: RoutingDecision
) -> LicensingCase:
    """The licensing case for a new quote; an embargoed destination is refused at once."""
    case = LicensingCase(
        quote_request_id=quote.id,
        queue=decision.queue,
        flags=list(decision.flags),
        sla_due_on=decision.sla_due_on,
        approvals_required=decision.approvals_required,
        rule_set_version=decision.rule_set_version,
        routing=decision.to_json(),
    )
    if decision.refused:
        case.status = CaseStatus.REFUSED
        case.decided_at = utcnow()
        quote.status = QuoteStatus.REFUSED
        quote.refusal_reason = decision.refusal_reason
    tx.session.add(case)
    tx.audit(
        "licensing_case.routed",
        "LicensingCase",
        case.id,
        {
            "quote": quote.id,
            "queue": case.queue,
            "flags": case.flags,
            "rule_set_version": case.rule_set_version,
            "approvals_required": case.approvals_required,
        },
    )
    if decision.refused:
        tx.audit(
            "licensing_case.refused_automatically",
            "LicensingCase",
            case.id,
            {"reason": decision.refusal_reason},
        )
    tx.emit("licensing_case.changed", "LicensingCase", case.id)
    return case


# ---------------------------------------------------------------- reading

QUOTE_ORDER = "quote-newest"
QUOTE_COLUMNS = [
    SortColumn(QuoteRequest.created_at, True, "datetime"),  # type: ignore[arg-type]
    SortColumn(QuoteRequest.id, True, "uuid"),  # type: ignore[arg-type]
]


@dataclass(frozen=True)
class QuoteFilter:
    status: QuoteStatus | None = None
    product_id: uuid.UUID | None = None


async def quotes_by_ids(
    session: AsyncSession, principal: Principal, ids: list[uuid.UUID]
) -> dict[uuid.UUID, QuoteRequest]:
    rows = await session.scalars(
        select(QuoteRequest).where(QuoteRequest.id.in_(ids), visible_quotes(principal))  # type: ignore[attr-defined]
    )
    return {row.id: row for row in rows}


def _filtered(principal: Principal, quote_filter: QuoteFilter | None) -> Select[Any]:
    statement = select(QuoteRequest).where(visible_quotes(principal))
    if quote_filter and quote_filter.status is not None:
        statement = statement.where(QuoteRequest.status == quote_filter.status)
    if quote_filter and quote_filter.product_id is not None:
        statement = statement.where(QuoteRequest.product_id == quote_filter.product_id)
    return statement


async def count_quotes(
    session: AsyncSession, principal: Principal, quote_filter: QuoteFilter | None
) -> int:
    subquery = _filtered(principal, quote_filter).subquery()
    return int(await session.scalar(select(func.count()).select_from(subquery)) or 0)


async def list_quotes(
    session: AsyncSession,
    principal: Principal,
    *,
    quote_filter: QuoteFilter | None,
    first: int,
    after: str | None,
) -> Page[QuoteRequest]:
    """Newest first."""
    statement = _filtered(principal, quote_filter)
    if after:
        values = decode_cursor(after, QUOTE_ORDER, QUOTE_COLUMNS)
        statement = statement.where(after_clause(QUOTE_COLUMNS, values))
    statement = statement.order_by(*order_by(QUOTE_COLUMNS)).limit(first + 1)
    rows = list((await session.scalars(statement)).all())
    items = rows[:first]
    return Page(
        items=items,
        cursors=[encode_cursor(QUOTE_ORDER, row, QUOTE_COLUMNS) for row in items],
        has_next=len(rows) > first,
    )
