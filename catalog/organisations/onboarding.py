"""Onboarding organisations (curators): create, rename and list partner agencies,
manufacturers, curators and licensing offices.

A new partner starts PENDING and reads nothing but `me` until a curator vets it; other kinds
are not vetted (their record says VETTED so that the one vetting column means "may act").
Manufacturers are Ukrainian. Slugs are lower-case letters, digits and dashes, unique whatever
their case (the demo slugs keep their upper-case country suffix, so "demo-partner-pl" would
be confused with "demo-partner-PL").
"""

import re
import uuid
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import require_onboarding_curator
from catalog.core.db import Database
from catalog.core.enums import OrgKind, VettingStatus
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.pagination import Page, SortColumn, paginate
from catalog.core.principal import SYSTEM, Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, collect
from catalog.models import Country, Organisation
from catalog.models.base import utcnow

SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
SLUG_LENGTH = (2, 64)
MANUFACTURER_COUNTRY = "UA"
ORGANISATION_ORDER = "organisation-name"
ORGANISATION_COLUMNS = [
    SortColumn(col(Organisation.name), False, "str"),
    SortColumn(col(Organisation.id), False, "uuid"),
]


def check_slug(slug: str) -> Problem | None:
    low, high = SLUG_LENGTH
    if not low <= len(slug) <= high or not SLUG.match(slug):
        return Problem(
            f"slug must be {low} to {high} lower-case letters, digits and single dashes",
            Codes.INVALID,
            "slug",
        )
    return None


def _check_country(kind: OrgKind, country: str) -> Problem | None:
    if kind is OrgKind.MANUFACTURER and country != MANUFACTURER_COUNTRY:
        return Problem("manufacturers are Ukrainian: country must be UA", Codes.INVALID, "country")
    return None


async def _require_country(session: AsyncSession, kind: OrgKind, code: str) -> None:
    country = await session.get(Country, code)
    if country is None:
        raise DomainError.one(f"unknown country {code!r}", Codes.UNKNOWN_COUNTRY, "country")
    if kind is OrgKind.PARTNER and country.embargoed:
        raise DomainError.one(
            f"{code} is under an arms embargo: no partner agency there", Codes.EMBARGOED, "country"
        )


async def _require_free_slug(session: AsyncSession, slug: str) -> None:
    taken = await session.scalar(
        select(col(Organisation.id)).where(func.lower(col(Organisation.slug)) == slug.lower())
    )
    if taken is not None:
        raise DomainError.one(f"the slug {slug!r} is taken", Codes.CONFLICT, "slug")


async def add_organisation(
    tx: WriteTransaction, *, kind: OrgKind, slug: str, name: str, country: str
) -> Organisation:
    """Checks and adds an organisation inside `tx` (also used by the command line)."""
    name, country = name.strip(), country.strip().upper()
    problems = collect(
        check_slug(slug), check_length("name", name, 1, 200), _check_country(kind, country)
    )
    if problems:
        raise DomainError(problems)
    await _require_country(tx.session, kind, country)
    await _require_free_slug(tx.session, slug)
    vetting = VettingStatus.PENDING if kind is OrgKind.PARTNER else VettingStatus.VETTED
    org = Organisation(slug=slug, name=name, kind=kind, country=country, vetting=vetting)
    tx.session.add(org)
    await tx.session.flush()  # before the officers and clients that name it
    tx.audit(
        "organisation.created",
        "Organisation",
        org.id,
        {"slug": slug, "name": name, "kind": kind, "country": country, "vetting": vetting},
    )
    tx.emit("organisation.changed", "Organisation", org.id)
    return org


async def create_organisation(
    db: Database, principal: Principal, *, kind: OrgKind, slug: str, name: str, country: str
) -> Organisation:
    require_onboarding_curator(principal)
    async with write(db, principal) as tx:
        return await add_organisation(tx, kind=kind, slug=slug, name=name, country=country)


async def create_organisation_as_operator(
    db: Database, *, kind: OrgKind, slug: str, name: str, country: str
) -> Organisation:
    """The command line's way in, for an empty database where no curator exists yet; audited
    as the system."""
    async with write(db, SYSTEM) as tx:
        return await add_organisation(tx, kind=kind, slug=slug, name=name, country=country)


async def update_organisation(
    db: Database, principal: Principal, organisation_id: uuid.UUID, *, name: str
) -> Organisation:
    """Renames an organisation; its slug, kind and country stay (clients and scripts rely on
    them)."""
    require_onboarding_curator(principal)
    name = name.strip()
    problems = collect(check_length("name", name, 1, 200))
    if problems:
        raise DomainError(problems)
    async with write(db, principal) as tx:
        org = await tx.session.scalar(
            select(Organisation).where(col(Organisation.id) == organisation_id).with_for_update()
        )
        if org is None:
            raise not_found("organisation", "organisationId")
        previous = org.name
        org.name = name
        org.updated_at = utcnow()
        tx.audit("organisation.renamed", "Organisation", org.id, {"from": previous, "to": name})
        tx.emit("organisation.changed", "Organisation", org.id)
    return org


def _filtered(kind: OrgKind | None, vetting: VettingStatus | None) -> Select[Any]:
    statement = select(Organisation)
    if kind is not None:
        statement = statement.where(col(Organisation.kind) == kind)
    if vetting is not None:
        statement = statement.where(col(Organisation.vetting) == vetting)
    return statement


async def list_organisations(
    session: AsyncSession,
    principal: Principal,
    *,
    kind: OrgKind | None,
    vetting: VettingStatus | None,
    first: int,
    after: str | None,
) -> Page[Organisation]:
    require_onboarding_curator(principal)
    return await paginate(
        session,
        _filtered(kind, vetting),
        order=ORGANISATION_ORDER,
        columns=ORGANISATION_COLUMNS,
        first=first,
        after=after,
    )


async def count_organisations(
    session: AsyncSession, kind: OrgKind | None, vetting: VettingStatus | None
) -> int:
    subquery = _filtered(kind, vetting).subquery()
    return int(await session.scalar(select(func.count()).select_from(subquery)) or 0)


async def get_organisation(
    session: AsyncSession, principal: Principal, organisation_id: uuid.UUID
) -> Organisation | None:
    require_onboarding_curator(principal)
    return await session.get(Organisation, organisation_id)


async def organisation_by_slug(session: AsyncSession, slug: str) -> Organisation | None:
    return await session.scalar(select(Organisation).where(col(Organisation.slug) == slug))
