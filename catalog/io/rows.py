"""Catalogue rows (see `catalog/io/files.py`) checked one by one: every problem of a row is
reported with its line, using `catalog.products.lifecycle.new_product` (createProduct's
rules)."""

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from enum import Enum
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.core.countries import is_iso_country
from catalog.core.enums import OrgKind, ProductCategory, ProductStatus, TechTransfer
from catalog.core.errors import Codes, DomainError, Problem
from catalog.io.files import ParsedLine
from catalog.models import Country, Organisation, Product
from catalog.models.base import utcnow
from catalog.products.lifecycle import ProductDraft, new_product

ReleaseKey = tuple[str, datetime | None]
Progress = Callable[[str, int], None]


@dataclass(frozen=True)
class RejectedRow:
    line: int
    sku: str | None
    reasons: list[str]


@dataclass
class CheckedRow:
    line: int
    product: Product
    releases: set[ReleaseKey]
    wanted_id: uuid.UUID | None


def _number(problems: list[Problem], row: dict[str, Any], name: str, kind: type) -> Any:
    value = row.get(name)
    if value is None or value == "":
        return None
    try:
        if kind is int and isinstance(value, float | Decimal) and value != int(value):
            raise ValueError
        return Decimal(str(value)) if kind is Decimal else int(str(value))
    except (ValueError, InvalidOperation):
        problems.append(Problem(f"{name} must be a number", Codes.INVALID, name))
        return None


def _choice(problems: list[Problem], row: dict[str, Any], name: str, enum: type[Enum]) -> Any:
    value = row.get(name)
    try:
        return enum(str(value).strip().upper())
    except ValueError:
        allowed = ", ".join(member.value for member in enum)
        problems.append(Problem(f"{name} must be one of {allowed}", Codes.INVALID, name))
        return None


def _timestamp(problems: list[Problem], value: Any, name: str) -> datetime | None:
    if value in (None, ""):
        return None
    try:
        parsed = datetime.fromisoformat(str(value))
    except ValueError:
        problems.append(Problem(f"{name} must be an ISO 8601 timestamp", Codes.INVALID, name))
        return None
    if parsed.tzinfo is None:
        problems.append(Problem(f"{name} needs a time zone", Codes.INVALID, name))
        return None
    return parsed


REFUSALS = {
    Codes.EMBARGOED: "{} is under an arms embargo",
    Codes.NOT_A_PARTNER_COUNTRY: "{} is not one of the programme's partner countries",
}


def _releases(problems: list[Problem], raw: Any, refused: dict[str, str]) -> set[ReleaseKey]:
    """`released_to`: country codes, each optionally `CC@expiry` (ISO 8601); only partner
    countries, as `releaseProduct` allows."""
    items = raw if isinstance(raw, list) else [] if raw in (None, "") else [raw]
    found: set[ReleaseKey] = set()
    for item in items:
        code, _, expiry = str(item).strip().partition("@")
        code = code.strip().upper()
        if len(code) != 2 or not is_iso_country(code):
            problems.append(Problem(f"{code!r} is not a country code", Codes.UNKNOWN_COUNTRY))
        elif code in refused:
            problems.append(Problem(REFUSALS[refused[code]].format(code), refused[code]))
        else:
            found.add((code, _timestamp(problems, expiry, "released_to")))
    return found


def _draft(problems: list[Problem], row: dict[str, Any]) -> ProductDraft:
    return ProductDraft(
        name=row.get("name"),
        category=_choice(problems, row, "category", ProductCategory),
        summary=row.get("summary"),
        description=row.get("description"),
        control_entry=row.get("control_entry"),
        tech_transfer=_choice(problems, row, "tech_transfer", TechTransfer),
        units_available=_number(problems, row, "units_available", int),
        lead_time_days=_number(problems, row, "lead_time_days", int),
        unit_price_eur=_number(problems, row, "unit_price_eur", Decimal),
        specs=row.get("specs"),
        combat_record=row.get("combat_record"),
        sku=row.get("sku"),
    )


def _wanted_id(problems: list[Problem], raw: Any) -> uuid.UUID | None:
    if raw in (None, ""):
        return None
    try:
        return uuid.UUID(str(raw))
    except ValueError:
        problems.append(Problem("id must be a UUID", Codes.INVALID, "id"))
        return None


def check_row(
    line: int, row: dict[str, Any], manufacturers: dict[str, uuid.UUID], refused: dict[str, str]
) -> CheckedRow:
    """One row as a new (unsaved) product, or DomainError with every problem in it."""
    problems: list[Problem] = []
    manufacturer_id = manufacturers.get(str(row.get("manufacturer") or ""))
    if manufacturer_id is None:
        problems.append(Problem("unknown manufacturer slug", Codes.NOT_FOUND, "manufacturer"))
    for name in ("sku", "units_available"):  # required by createProduct's input too
        if not str(row.get(name) if row.get(name) is not None else "").strip():
            problems.append(Problem(f"{name} is required", Codes.INVALID, name))
    draft = _draft(problems, row)
    status = _choice(problems, {"status": row.get("status", "DRAFT")}, "status", ProductStatus)
    releases = _releases(problems, row.get("released_to"), refused)
    wanted = _wanted_id(problems, row.get("id"))
    created_at = _timestamp(problems, row.get("created_at"), "created_at")
    published_at = _timestamp(problems, row.get("published_at"), "published_at")
    try:
        product = new_product(manufacturer_id or uuid.UUID(int=0), draft)
    except DomainError as error:
        problems.extend(error.problems)
    if problems:
        raise DomainError(problems)
    product.status = status
    product.review_note = row.get("review_note") or None
    product.created_at = product.updated_at = created_at or utcnow()
    if status is ProductStatus.PUBLISHED:
        product.published_at = published_at or utcnow()
    else:
        product.published_at = published_at
    return CheckedRow(line, product, releases, wanted)


async def reference_data(
    session: AsyncSession,
) -> tuple[dict[str, uuid.UUID], dict[str, str]]:
    """The manufacturers by slug, and the countries nothing may be released to, with why."""
    manufacturers = {
        slug: org_id
        for slug, org_id in await session.execute(
            select(col(Organisation.slug), col(Organisation.id)).where(
                col(Organisation.kind) == OrgKind.MANUFACTURER
            )
        )
    }
    refused = {
        country.code: Codes.EMBARGOED if country.embargoed else Codes.NOT_A_PARTNER_COUNTRY
        for country in await session.scalars(
            select(Country).where(col(Country.embargoed) | ~col(Country.partner))
        )
    }
    return manufacturers, refused


def check_rows(
    lines: Sequence[ParsedLine],
    manufacturers: dict[str, uuid.UUID],
    refused: dict[str, str],
    progress: Progress | None = None,
) -> tuple[list[CheckedRow], list[RejectedRow]]:
    valid: list[CheckedRow] = []
    rejected: list[RejectedRow] = []
    seen: set[tuple[uuid.UUID, str]] = set()
    for line, row in lines:
        if progress:
            progress("check", 1)
        if isinstance(row, str):
            rejected.append(RejectedRow(line, None, [row]))
            continue
        sku = str(row.get("sku") or "").strip() or None
        try:
            checked = check_row(line, row, manufacturers, refused)
        except DomainError as error:
            reasons = [f"{p.field}: {p.message}" if p.field else p.message for p in error.problems]
            rejected.append(RejectedRow(line, sku, reasons))
            continue
        key = (checked.product.manufacturer_id, checked.product.sku)
        if key in seen:
            rejected.append(RejectedRow(line, sku, ["the same manufacturer and SKU appear twice"]))
            continue
        seen.add(key)
        valid.append(checked)
    return valid, rejected
