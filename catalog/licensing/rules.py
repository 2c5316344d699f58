"""Routing rules and the queue precedence: every change makes a rule-set version.

Quotes are routed with the snapshot held by the newest `rule_set_version` (its rules and its
queue precedence), never with the live `routing_rule` rows, so the version a case records is
exactly what routed it. When no version exists yet (a database without the demo seed), the
first quote records the active rules as version 1, so every case can cite its version.
A new version keeps the precedence of the one before unless the change is to the precedence.
"""

import uuid
import weakref
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import require_rules_officer, sees_routing_rules
from catalog.core.db import Database
from catalog.core.enums import DocumentKind
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, check_range, collect
from catalog.licensing.conditions import condition_problems
from catalog.licensing.routing import Rule, queue_order
from catalog.models import RoutingRule, RuleSetVersion
from catalog.models.base import utcnow

QUEUE_PATTERN_CHARS = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@dataclass
class RuleDraft:
    """Input for create and update; on update only the names in `given` change."""

    name: str | None = None
    tier: int | None = None
    conditions: dict[str, Any] | None = None
    queue: str | None = None
    flags: list[str] | None = None
    requires_documents: list[str] | None = None
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
        "requires_documents": rule.requires_documents,
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
    unknown = set(draft.requires_documents or []) - {k.value for k in DocumentKind}
    if unknown:
        problems.append(
            Problem("requiresDocuments names unknown kinds", Codes.INVALID, "requiresDocuments")
        )
    if draft.conditions is not None:
        problems += [
            Problem(message, Codes.INVALID, "conditions")
            for message in condition_problems(draft.conditions)
        ]
    return problems


@dataclass(frozen=True, slots=True)
class RuleSet:
    version: int
    rules: tuple[Rule, ...]
    queue_precedence: tuple[str, ...]


EMPTY_RULE_SET = RuleSet(0, (), ())

# Parsed snapshots per database (engine) and version. A version is never changed once
# written, so only the newest version number is read per quote; parsing a 200-rule snapshot
# for every quote was a fifth of the request.
_PARSED_VERSIONS: "weakref.WeakKeyDictionary[Any, dict[int, RuleSet]]" = weakref.WeakKeyDictionary()


async def current_rule_set(session: AsyncSession) -> RuleSet:
    """The newest version with its rules and queue precedence; version 0 before any exists."""
    newest = await session.scalar(select(func.max(RuleSetVersion.version)))
    return await rule_set_of(session, newest)


async def rule_set_of(session: AsyncSession, newest: int | None) -> RuleSet:
    """Version `newest` (the newest, as the caller read it) parsed; version 0 for None."""
    if newest is None:
        return EMPTY_RULE_SET
    parsed = _PARSED_VERSIONS.setdefault(session.get_bind(), {})
    rule_set = parsed.get(newest)
    if rule_set is None:
        snapshot = await session.get_one(RuleSetVersion, newest)
        # In queue order already, so that routing's sort of them is one pass over the list.
        rules = sorted((Rule.from_snapshot(r) for r in snapshot.rules), key=queue_order)
        rule_set = RuleSet(newest, tuple(rules), tuple(snapshot.queue_precedence or ()))
        parsed[newest] = rule_set
    return rule_set


async def rule_set_for_routing(tx: WriteTransaction) -> RuleSet:
    """Like `current_rule_set`, but makes version 1 when there is none yet."""
    newest = await tx.session.scalar(select(func.max(RuleSetVersion.version)))
    return await routing_rule_set(tx, newest)


async def routing_rule_set(tx: WriteTransaction, newest: int | None) -> RuleSet:
    """`rule_set_for_routing` for a caller that has read the newest version number (None:
    there is none) in this transaction, with its other facts."""
    rule_set = await rule_set_of(tx.session, newest)
    if rule_set.version == 0:
        await _new_version(tx, "first quote before any rule-set version")
        rule_set = await current_rule_set(tx.session)
    return rule_set


async def list_rules(session: AsyncSession, *, include_inactive: bool) -> list[RoutingRule]:
    statement = select(RoutingRule).order_by(
        col(RoutingRule.tier), col(RoutingRule.name), col(RoutingRule.id)
    )
    if not include_inactive:
        statement = statement.where(col(RoutingRule.active).is_(True))
    return list(await session.scalars(statement))


async def get_rule(
    session: AsyncSession, principal: Principal, rule_id: uuid.UUID
) -> RoutingRule | None:
    if not sees_routing_rules(principal):
        return None
    return await session.get(RoutingRule, rule_id)


async def _new_version(
    tx: WriteTransaction, reason: str, queue_precedence: Sequence[str] | None = None
) -> int:
    """Snapshot the active rules as the next version, with the given queue precedence or the
    previous version's. Two concurrent changes collide on the primary key; the loser's whole
    transaction rolls back and reports a conflict."""
    await tx.session.flush()
    latest = await tx.session.scalar(select(func.max(RuleSetVersion.version)))
    version = int(latest or 0) + 1
    if queue_precedence is None:
        previous = await tx.session.get(RuleSetVersion, latest) if latest else None
        queue_precedence = previous.queue_precedence if previous else []
    rules = await list_rules(tx.session, include_inactive=False)
    tx.session.add(
        RuleSetVersion(
            version=version,
            created_by=tx.actor.subject,
            rules=[rule_snapshot(r) for r in rules],
            queue_precedence=list(queue_precedence),
        )
    )
    tx.audit(
        "routing.rule_set_versioned",
        "RuleSetVersion",
        str(version),
        {"rules": len(rules), "reason": reason, "queue_precedence": list(queue_precedence)},
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
            requires_documents=sorted(set(draft.requires_documents or [])),
            sla_working_days=draft.sla_working_days or 1,
            approvals_required=draft.approvals_required or 1,
        )
        tx.session.add(rule)
        tx.audit("routing.rule_created", "RoutingRule", rule.id, rule_snapshot(rule))
        return rule

    return await _commit_rule_change(db, principal, None, change)


async def _rule_for_update(tx: WriteTransaction, rule_id: uuid.UUID) -> RoutingRule:
    rule = await tx.session.scalar(
        select(RoutingRule).where(col(RoutingRule.id) == rule_id).with_for_update()
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
            if name in ("flags", "requires_documents"):
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


# ---------------------------------------------------------------- queue precedence

MAX_PRECEDENCE = 64


def _precedence_problems(queues: list[str]) -> list[Problem]:
    problems = []
    if len(queues) > MAX_PRECEDENCE:
        problems.append(Problem(f"at most {MAX_PRECEDENCE} queues", Codes.INVALID, "queues"))
    if any(not (1 <= len(q) <= 64 and set(q) <= QUEUE_PATTERN_CHARS) for q in queues):
        problems.append(Problem("queues must be 1-64 of A-Z, 0-9 and _", Codes.INVALID, "queues"))
    if len(set(queues)) != len(queues):
        problems.append(Problem("a queue is named twice", Codes.INVALID, "queues"))
    return problems


async def set_queue_precedence(
    db: Database, principal: Principal, queues: list[str]
) -> tuple[list[str], int]:
    """Queues from highest to lowest precedence; makes a rule-set version with them."""
    require_rules_officer(principal)
    queues = [q.strip() for q in queues]
    problems = _precedence_problems(queues)
    if problems:
        raise DomainError(problems)
    try:
        async with write(db, principal) as tx:
            before = (await current_rule_set(tx.session)).queue_precedence
            version = await _new_version(tx, "queue precedence changed", queues)
            tx.audit(
                "routing.queue_precedence_set",
                "RuleSetVersion",
                str(version),
                {"from": list(before), "to": queues},
            )
    except IntegrityError as error:
        raise DomainError.one(
            "the rules changed at the same time; try again", Codes.CONFLICT
        ) from error
    return queues, version
