"""Build with Ukraine: requests to produce a Ukrainian product under licence in a partner
country, and the production lines they license.

A vetted partner asks (`request_co_production`) for a product it may see, naming the
production country, the local partner, the planned yearly units and the technology scope (the
parts of the product's specs it needs, e.g. "airframe", "navigation"). The request is its own
kind of case, routed by the same engine and rule set as a quote (facts: the product, the
production country as destination, co-production, production abroad), so it lands in
TECH_TRANSFER_REVIEW under the demo rules with the explanation, the SLA and at least two
approvals from different officers (four-eyes).

Sensitive technology is never transferred: a product that licensing marked `sensitive`, or a
scope naming one of its `sensitive_parts`, is refused by a hard gate of the engine at once,
with the reason recorded on the request. The gate is checked again at every approval, since a
product may be marked after the request. The final approval records a `ProductionLine`.
"""

import uuid
from dataclasses import dataclass, replace

from sqlalchemy import ColumnElement, false, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import (
    require_active_partner,
    require_named_officer,
    require_vetted_partner,
    sees_programme_internals,
)
from catalog.core.countries import is_iso_country
from catalog.core.db import Database
from catalog.core.enums import CaseDecisionKind, CoProductionStatus, OrgKind
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.idempotency import create_once
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, check_range, collect
from catalog.licensing.facts import country_row, decide, quote_facts
from catalog.licensing.routing import FOUR_EYES, RoutingDecision
from catalog.licensing.rules import rule_set_for_routing
from catalog.models import CoProductionRequest, Organisation, Product, ProductionLine
from catalog.models.base import utcnow
from catalog.visibility import visible_products

FOUR_EYES_CODE = "FOUR_EYES"


@dataclass
class CoProductionInput:
    product_id: uuid.UUID
    production_country: str
    local_partner_name: str
    planned_units_per_year: int
    technology_scope: list[str]
    idempotency_key: str


def _normalised(given: CoProductionInput) -> CoProductionInput:
    scope = sorted({s.strip().lower() for s in given.technology_scope if s.strip()})
    return replace(
        given,
        production_country=given.production_country.strip().upper(),
        local_partner_name=given.local_partner_name.strip(),
        technology_scope=scope,
        idempotency_key=given.idempotency_key.strip(),
    )


def _problems(given: CoProductionInput) -> list[Problem]:
    problems = collect(
        check_length("idempotencyKey", given.idempotency_key, 1, 128),
        check_length("localPartnerName", given.local_partner_name, 1, 300),
        check_range("plannedUnitsPerYear", given.planned_units_per_year, 1, 1_000_000),
    )
    if not given.technology_scope or any(len(s) > 64 for s in given.technology_scope):
        problems.append(
            Problem("name 1 to 50 parts of 64 characters", Codes.INVALID, "technologyScope")
        )
    if not is_iso_country(given.production_country):
        problems.append(
            Problem("not an ISO 3166-1 alpha-2 code", Codes.UNKNOWN_COUNTRY, "productionCountry")
        )
    return problems


def sensitivity(product: Product, scope: list[str]) -> str | None:
    """Why the technology asked for is sensitive, in words (None: it is not)."""
    if product.sensitive:
        return f"{product.name} is marked sensitive technology"
    parts = sorted(set(scope) & set(product.sensitive_parts))
    if parts:
        verb = "is" if len(parts) == 1 else "are"
        return f"the {', '.join(parts)} of {product.name} {verb} sensitive technology"
    return None


def _same(existing: CoProductionRequest, given: CoProductionInput) -> CoProductionRequest:
    fields = ("product_id", "production_country", "local_partner_name", "planned_units_per_year")
    differ = [f for f in fields if getattr(existing, f) != getattr(given, f)]
    if existing.technology_scope != given.technology_scope:
        differ.append("technology_scope")
    if differ:
        raise DomainError.one(
            "this idempotency key was already used for a different request",
            Codes.CONFLICT,
            "idempotencyKey",
        )
    return existing


async def _existing(
    session: AsyncSession, org_id: uuid.UUID, key: str
) -> CoProductionRequest | None:
    return await session.scalar(
        select(CoProductionRequest).where(
            col(CoProductionRequest.partner_org_id) == org_id,
            col(CoProductionRequest.idempotency_key) == key,
        )
    )


async def request_co_production(
    db: Database, principal: Principal, given: CoProductionInput
) -> CoProductionRequest:
    org_id = require_active_partner(principal)
    given = _normalised(given)
    return await create_once(
        db,
        earlier=lambda session: _existing(session, org_id, given.idempotency_key),
        same=lambda earlier: _same(earlier, given),
        problems=lambda: _problems(given),
        create=lambda: _create(db, principal, given),
    )


async def _route(
    tx: WriteTransaction, partner: Organisation, product: Product, given: CoProductionInput
) -> RoutingDecision:
    session = tx.session
    facts = quote_facts(
        product,
        quantity=given.planned_units_per_year,
        value_eur=None,  # a licence to produce has no price here: value thresholds apply
        partner=await country_row(session, partner.country, "productionCountry"),
        delivery=await country_row(session, given.production_country, "productionCountry"),
        co_production=True,
    )
    facts = replace(
        facts,
        production_abroad=True,
        sensitive_technology=sensitivity(product, given.technology_scope),
    )
    return decide(facts, await rule_set_for_routing(tx), utcnow().date())


async def _create(
    db: Database, principal: Principal, given: CoProductionInput
) -> CoProductionRequest:
    async with write(db, principal) as tx:
        org = await tx.session.scalar(
            select(Organisation)
            .where(col(Organisation.id) == principal.org_id)
            .with_for_update(read=True)
        )
        partner = require_vetted_partner(org)
        product = await tx.session.scalar(
            select(Product).where(col(Product.id) == given.product_id, visible_products(principal))
        )
        if product is None:
            raise not_found("product", "productId")
        request = await open_request(tx, partner, product, given)
    return request


async def open_request(
    tx: WriteTransaction, partner: Organisation, product: Product, given: CoProductionInput
) -> CoProductionRequest:
    """Route and record a request in the caller's transaction (also the demo seed's)."""
    decision = await _route(tx, partner, product, given)
    request = CoProductionRequest(
        partner_org_id=partner.id,
        product_id=product.id,
        production_country=given.production_country,
        local_partner_name=given.local_partner_name,
        planned_units_per_year=given.planned_units_per_year,
        technology_scope=given.technology_scope,
        idempotency_key=given.idempotency_key,
        queue=decision.queue,
        flags=list(decision.flags),
        sla_due_on=decision.sla_due_on,
        approvals_required=max(decision.approvals_required, FOUR_EYES),
        rule_set_version=decision.rule_set_version,
        routing=decision.to_json(),
    )
    if decision.refused:
        request.status = CoProductionStatus.REFUSED
        request.refusal_reason = decision.refusal_reason
        request.decided_at = utcnow()
    tx.session.add(request)
    await tx.session.flush()  # a duplicate idempotency key fails here
    tx.audit(
        "co_production.requested",
        "CoProductionRequest",
        request.id,
        {
            "product": product.id,
            "country": request.production_country,
            "queue": request.queue,
            "flags": request.flags,
            "refused": decision.refusal_reason,
        },
    )
    return request


async def decide_co_production(
    db: Database,
    principal: Principal,
    request_id: uuid.UUID,
    decision: CaseDecisionKind,
    reason: str,
) -> CoProductionRequest:
    """APPROVE (four-eyes: distinct officers, people rather than clients) or REFUSE (the reason
    goes to the partner)."""
    require_named_officer(principal)
    reason = reason.strip()
    if not 1 <= len(reason) <= 5000:
        raise DomainError.one("reason must be 1 to 5000 characters", Codes.INVALID, "reason")
    if decision is CaseDecisionKind.REQUEST_INFO:
        raise DomainError.one("decide APPROVE or REFUSE", Codes.INVALID, "decision")
    async with write(db, principal) as tx:
        request = await tx.session.scalar(
            select(CoProductionRequest)
            .where(col(CoProductionRequest.id) == request_id)
            .with_for_update()
        )
        if request is None:
            raise not_found("co-production request", "coProductionRequestId")
        if request.status is not CoProductionStatus.TECH_TRANSFER_REVIEW:
            raise DomainError.one(f"the request is {request.status}", Codes.INVALID_TRANSITION)
        if decision is CaseDecisionKind.REFUSE:
            request.status = CoProductionStatus.REFUSED
            request.refusal_reason = reason
            request.decided_at = utcnow()
        else:
            await _approve(tx, principal, request)
        tx.audit(
            "co_production.decided",
            "CoProductionRequest",
            request.id,
            {"decision": decision, "reason": reason, "status": request.status},
        )
    return request


async def _approve(
    tx: WriteTransaction, principal: Principal, request: CoProductionRequest
) -> None:
    product = await tx.session.get_one(Product, request.product_id)
    sensitive = sensitivity(product, request.technology_scope)
    if sensitive is not None:
        raise DomainError.one(f"not allowed: {sensitive}", Codes.NOT_ALLOWED)
    officer = str(require_named_officer(principal))
    if officer in request.approvals:
        raise DomainError.one(
            "you already approved this request; another officer must give the next approval",
            FOUR_EYES_CODE,
            "coProductionRequestId",
        )
    request.approvals = [*request.approvals, officer]
    if len(request.approvals) < request.approvals_required:
        return
    request.status = CoProductionStatus.LICENSED
    request.decided_at = utcnow()
    line = ProductionLine(
        product_id=request.product_id,
        country=request.production_country,
        local_partner_name=request.local_partner_name,
        since=utcnow().date(),
        request_id=request.id,
    )
    tx.session.add(line)
    tx.audit("production_line.licensed", "ProductionLine", line.id, {"request": request.id})


def _visible_requests(principal: Principal) -> ColumnElement[bool]:
    """A partner sees its own requests; a manufacturer those for its products; curators and
    licensing every request."""
    if principal.kind is OrgKind.PARTNER:
        return col(CoProductionRequest.partner_org_id) == principal.org_id
    if principal.kind is OrgKind.MANUFACTURER:
        mine = select(col(Product.id)).where(col(Product.manufacturer_id) == principal.org_id)
        return col(CoProductionRequest.product_id).in_(mine)
    return true() if sees_programme_internals(principal) else false()


async def list_requests(
    session: AsyncSession, principal: Principal, status: CoProductionStatus | None, limit: int
) -> list[CoProductionRequest]:
    statement = (
        select(CoProductionRequest)
        .where(_visible_requests(principal))
        .order_by(col(CoProductionRequest.created_at).desc(), col(CoProductionRequest.id))
        .limit(limit)
    )
    if status is not None:
        statement = statement.where(col(CoProductionRequest.status) == status)
    return list(await session.scalars(statement))


async def list_lines(
    session: AsyncSession, principal: Principal, country: str | None
) -> list[ProductionLine]:
    """The licensed lines of products the caller may see."""
    statement = (
        select(ProductionLine)
        .join(Product, col(Product.id) == col(ProductionLine.product_id))
        .where(visible_products(principal))
        .order_by(col(ProductionLine.country), col(ProductionLine.since), col(ProductionLine.id))
    )
    if country:
        statement = statement.where(col(ProductionLine.country) == country.strip().upper())
    return list(await session.scalars(statement))
