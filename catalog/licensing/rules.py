"""Routing rules: create, update, disable, and simulate; every change makes a rule-set version.

Quotes are routed with the snapshot held by the newest `rule_set_version`, never with the live
`routing_rule` rows, so the version a case records is exactly the rules that routed it.
When no version exists yet (a database without the demo seed), the first quote records the
active rules as version 1, so every case can cite its version.
"""

import uuid
import weakref
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from catalog.access import (
    require_rules_officer,
    require_simulation_officer,
    sees_routing_rules,
)
from catalog.core.db import Database
from catalog.core.enums import ProductCategory, TechTransfer
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, check_range, collect
from catalog.licensing.routing import QuoteFacts, RoutingDecision, Rule, condition_problems, route
from catalog.models import Country, Product, RoutingRule, RuleSetVersion
from catalog.models.base import utcnow
from catalog.visibility import visible_products

QUEUE_PATTERN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@dataclass
class RuleDraft:
    """Input for create and update; on update only the names in `given` change."""

    name: str | None = None
    tier: int | None = None
    conditions: dict[str, Any] | None = None
    queue: str | None = None
    flags: list[str] | None = None
    sla_working_days: int | None = None
    approvals_required: int | None = None
    active: bool | None = None  # update only: true re-enables a disabled rule
    given: set[str] = field(default_factory=set)


def rule_snapshot(rule: RoutingRule) -> dict[str, Any]:
    return {
        "id": str(rule.id),
        "name": rule.name,
        "tier": rule.tier,
        "conditions": rule.conditions,
        "queue": rule.queue,
        "flags": rule.flags,
        "sla_working_days": rule.sla_working_days,
        "approvals_required": rule.approvals_required,
    }


def _problems(draft: RuleDraft) -> list[Problem]:
    problems = collect(
        check_length("name", draft.name, 1, 200),
        check_range("tier", draft.tier, 0, 100),
        check_range("slaWorkingDays", draft.sla_working_days, 1, 250),
        check_range("approvalsRequired", draft.approvals_required, 1, 5),
    )
    if draft.queue is not None and not (
        1 <= len(draft.queue) <= 64 and set(draft.queue) <= QUEUE_PATTERN_CHARS
    ):
        problems.append(Problem("queue must be 1-64 of A-Z, 0-9 and _", Codes.INVALID, "queue"))
    for flag in draft.flags or []:
        if not (1 <= len(flag) <= 64 and set(flag) <= QUEUE_PATTERN_CHARS):
            problems.append(Problem("flags must be 1-64 of A-Z, 0-9 and _", Codes.INVALID, "flags"))
            break
    if draft.conditions is not None:
        problems += [
            Problem(message, Codes.INVALID, "conditions")
            for message in condition_problems(draft.conditions)
        ]
    return problems


# Parsed snapshots per database (engine) and version. A version is never changed once
# written, so only the newest version number is read per quote; parsing a 200-rule snapshot
# for every quote was a fifth of the request.
_PARSED_VERSIONS: "weakref.WeakKeyDictionary[Any, dict[int, tuple[Rule, ...]]]" = (
    weakref.WeakKeyDictionary()
)


async def current_rule_set(session: AsyncSession) -> tuple[int, list[Rule]]:
    """The newest version and its rules; (0, []) before any version exists."""
    newest = await session.scalar(select(func.max(RuleSetVersion.version)))
    if newest is None:
        return 0, []
    parsed = _PARSED_VERSIONS.setdefault(session.get_bind(), {})
    rules = parsed.get(newest)
    if rules is None:
        snapshot = await session.get_one(RuleSetVersion, newest)
        rules = tuple(Rule.from_snapshot(r) for r in snapshot.rules)
        parsed[newest] = rules
    return newest, list(rules)


async def rule_set_for_routing(tx: WriteTransaction) -> tuple[int, list[Rule]]:
    """Like `current_rule_set`, but makes version 1 when there is none yet."""
    version, rules = await current_rule_set(tx.session)
    if version == 0:
        await _new_version(tx, "first quote before any rule-set version")
        version, rules = await current_rule_set(tx.session)
    return version, rules


async def list_rules(session: AsyncSession, *, include_inactive: bool) -> list[RoutingRule]:
    statement = select(RoutingRule).order_by(RoutingRule.tier, RoutingRule.name, RoutingRule.id)
    if not include_inactive:
        statement = statement.where(RoutingRule.active.is_(True))  # type: ignore[attr-defined]
    return list(await session.scalars(statement))


async def get_rule(
    session: AsyncSession, principal: Principal, rule_id: uuid.UUID
) -> RoutingRule | None:
    if not sees_routing_rules(principal):
        return None
    return await session.get(RoutingRule, rule_id)


async def _new_version(tx: WriteTransaction, reason: str) -> int:
    """Snapshot the active rules as the next version. Two concurrent changes collide on the
    primary key; the loser's whole transaction rolls back and reports a conflict."""
    await tx.session.flush()
    latest = await tx.session.scalar(select(func.max(RuleSetVersion.version)))
    version = int(latest or 0) + 1
    rules = await list_rules(tx.session, include_inactive=False)
    tx.session.add(
        RuleSetVersion(
            version=version,
            created_by=tx.actor.subject,
            rules=[rule_snapshot(r) for r in rules],
        )
    )
    tx.audit(
        "routing.rule_set_versioned",
        "RuleSetVersion",
        str(version),
        {"rules": len(rules), "reason": reason},
    )
    return version


async def _commit_rule_change(
    db: Database, principal: Principal, rule_id: uuid.UUID | None, change: Any
) -> tuple[RoutingRule, int]:
    try:
        async with write(db, principal) as tx:
            rule = await change(tx, rule_id)
            version = await _new_version(tx, f"rule {rule.id} changed")
    except IntegrityError as error:
        raise DomainError.one(
            "the rules changed at the same time; try again", Codes.CONFLICT
        ) from error
    return rule, version


async def create_rule(
    db: Database, principal: Principal, draft: RuleDraft
) -> tuple[RoutingRule, int]:
    require_rules_officer(principal)
    problems = _problems(draft)
    for name in ("name", "tier", "queue", "sla_working_days"):
        if getattr(draft, name) is None:
            problems.append(Problem(f"{name} is required", Codes.INVALID, name))
    if problems:
        raise DomainError(problems)

    async def change(tx: WriteTransaction, _: uuid.UUID | None) -> RoutingRule:
        rule = RoutingRule(
            name=(draft.name or "").strip(),
            tier=draft.tier or 0,
            conditions=draft.conditions or {},
            queue=draft.queue or "",
            flags=sorted(set(draft.flags or [])),
            sla_working_days=draft.sla_working_days or 1,
            approvals_required=draft.approvals_required or 1,
        )
        tx.session.add(rule)
        tx.audit("routing.rule_created", "RoutingRule", rule.id, rule_snapshot(rule))
        return rule

    return await _commit_rule_change(db, principal, None, change)


async def _rule_for_update(tx: WriteTransaction, rule_id: uuid.UUID) -> RoutingRule:
    rule = await tx.session.scalar(
        select(RoutingRule).where(RoutingRule.id == rule_id).with_for_update()
    )
    if rule is None:
        raise not_found("routing rule", "ruleId")
    return rule


async def update_rule(
    db: Database, principal: Principal, rule_id: uuid.UUID, draft: RuleDraft
) -> tuple[RoutingRule, int]:
    require_rules_officer(principal)
    problems = _problems(draft)
    nulls = {
        "name",
        "tier",
        "queue",
        "sla_working_days",
        "approvals_required",
        "conditions",
        "active",
    }
    problems += [
        Problem(f"{name} must not be null", Codes.INVALID, name)
        for name in sorted(draft.given & nulls)
        if getattr(draft, name) is None
    ]
    if problems:
        raise DomainError(problems)

    async def change(tx: WriteTransaction, target: uuid.UUID | None) -> RoutingRule:
        assert target is not None
        rule = await _rule_for_update(tx, target)
        before = rule_snapshot(rule)
        for name in draft.given:
            value = getattr(draft, name)
            if name == "flags":
                value = sorted(set(value or []))
            setattr(rule, name, value.strip() if name == "name" else value)
        rule.updated_at = utcnow()
        tx.audit(
            "routing.rule_updated",
            "RoutingRule",
            rule.id,
            {"before": before, "after": rule_snapshot(rule)},
        )
        return rule

    return await _commit_rule_change(db, principal, rule_id, change)


async def disable_rule(
    db: Database, principal: Principal, rule_id: uuid.UUID
) -> tuple[RoutingRule, int]:
    require_rules_officer(principal)

    async def change(tx: WriteTransaction, target: uuid.UUID | None) -> RoutingRule:
        assert target is not None
        rule = await _rule_for_update(tx, target)
        if not rule.active:
            raise DomainError.one("the rule is already disabled", Codes.INVALID_TRANSITION)
        rule.active = False
        rule.updated_at = utcnow()
        tx.audit("routing.rule_disabled", "RoutingRule", rule.id, {"name": rule.name})
        return rule

    return await _commit_rule_change(db, principal, rule_id, change)


# ---------------------------------------------------------------- facts and simulation


def facts_for(
    product: Product,
    *,
    quantity: int,
    partner_country: str,
    delivery: Country,
    co_production: bool,
) -> QuoteFacts:
    price = product.unit_price_eur
    return QuoteFacts(
        category=str(product.category),
        control_entry=product.control_entry,
        tech_transfer=str(product.tech_transfer),
        quantity=quantity,
        value_eur=price * quantity if price is not None else None,
        partner_country=partner_country,
        delivery_country=delivery.code,
        delivery_eu=delivery.eu,
        delivery_nato=delivery.nato,
        delivery_embargoed=delivery.embargoed,
        co_production=co_production,
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


async def _country(session: AsyncSession, code: str, field_name: str) -> Country:
    country = await session.get(Country, code.strip().upper())
    if country is None:
        raise DomainError.one(
            f"{code} is not an ISO country code", Codes.UNKNOWN_COUNTRY, field_name
        )
    return country


async def simulate_routing(
    session: AsyncSession, principal: Principal, given: SimulationInput, today: date
) -> RoutingDecision:
    """Route hypothetical facts with the current rule set; nothing is written."""
    require_simulation_officer(principal)
    if given.quantity < 1:
        raise DomainError.one("quantity must be at least 1", Codes.INVALID, "quantity")
    partner = await _country(session, given.partner_country, "partnerCountry")
    delivery = await _country(session, given.delivery_country, "deliveryCountry")
    if given.product_id is not None:
        product = await session.scalar(
            select(Product).where(Product.id == given.product_id, visible_products(principal))
        )
        if product is None:
            raise not_found("product", "productId")
    elif given.category and given.control_entry and given.tech_transfer:
        product = Product(
            manufacturer_id=uuid.UUID(int=0),
            sku="simulation",
            name="simulation",
            summary="simulation",
            category=given.category,
            control_entry=given.control_entry.strip(),
            tech_transfer=given.tech_transfer,
            unit_price_eur=given.unit_price_eur,
        )
    else:
        raise DomainError.one(
            "give a productId, or category, controlEntry and techTransfer", Codes.INVALID
        )
    facts = facts_for(
        product,
        quantity=given.quantity,
        partner_country=partner.code,
        delivery=delivery,
        co_production=given.co_production,
    )
    version, rules = await current_rule_set(session)
    return route(facts, rules, rule_set_version=version, submitted_on=today)
