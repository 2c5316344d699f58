"""Officers: the named people of LICENSING and CURATOR organisations. A client of such an
organisation, or a token of an external identity provider, acts for one of them, so decisions
name a person and four-eyes counts people, not clients."""

import re
import uuid

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import require_onboarding_curator
from catalog.core.db import Database
from catalog.core.enums import OFFICER_KINDS
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, collect
from catalog.models import Officer, Organisation

EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


def check_email(email: str) -> Problem | None:
    if len(email) > 254 or not EMAIL.match(email):
        return Problem("email must be an e-mail address", Codes.INVALID, "email")
    return None


def name_from_email(email: str) -> str:
    """`olena.kovalenko@…` → "Olena Kovalenko": a first name for an officer created from the
    command line; curators rename nobody, the officer keeps the name they were created with."""
    local = email.split("@", 1)[0]
    words = [w for w in re.split(r"[._+-]+", local) if w]
    return " ".join(w.capitalize() for w in words) or email


async def add_officer(
    tx: WriteTransaction,
    org: Organisation,
    *,
    name: str,
    email: str,
    external_subject: str | None = None,
) -> Officer:
    name, email = name.strip(), email.strip().lower()
    problems = collect(
        check_length("name", name, 1, 200),
        check_email(email),
        check_length("externalSubject", external_subject, 1, 300),
    )
    if problems:
        raise DomainError(problems)
    if org.kind not in OFFICER_KINDS:
        raise DomainError.one(
            "officers belong to LICENSING or CURATOR organisations", Codes.INVALID, "organisationId"
        )
    same = func.lower(col(Officer.email)) == email
    if external_subject is not None:
        same = same | (col(Officer.external_subject) == external_subject)
    taken = await tx.session.scalar(select(col(Officer.id)).where(same))
    if taken is not None:
        raise DomainError.one("an officer with this address exists", Codes.CONFLICT, "email")
    officer = Officer(org_id=org.id, name=name, email=email, external_subject=external_subject)
    tx.session.add(officer)
    await tx.session.flush()  # no ORM relationship orders it before the clients naming it
    tx.audit(
        "officer.created",
        "Officer",
        officer.id,
        {"org": org.slug, "name": name, "email": email, "external_subject": external_subject},
    )
    return officer


async def create_officer(
    db: Database,
    principal: Principal,
    organisation_id: uuid.UUID,
    *,
    name: str,
    email: str,
    external_subject: str | None = None,
) -> Officer:
    require_onboarding_curator(principal)
    async with write(db, principal) as tx:
        org = await tx.session.get(Organisation, organisation_id)
        if org is None:
            raise not_found("organisation", "organisationId")
        return await add_officer(tx, org, name=name, email=email, external_subject=external_subject)


async def list_officers(
    session: AsyncSession, principal: Principal, organisation_id: uuid.UUID
) -> list[Officer]:
    require_onboarding_curator(principal)
    rows = await session.scalars(
        select(Officer)
        .where(col(Officer.org_id) == organisation_id)
        .order_by(col(Officer.name), col(Officer.id))
    )
    return list(rows)


async def officers_by_id(session: AsyncSession, ids: list[uuid.UUID]) -> dict[uuid.UUID, Officer]:
    if not ids:
        return {}
    rows = await session.scalars(select(Officer).where(col(Officer.id).in_(ids)))
    return {row.id: row for row in rows}


async def officer_by_email(session: AsyncSession, email: str) -> Officer | None:
    return await session.scalar(
        select(Officer).where(func.lower(col(Officer.email)) == email.strip().lower())
    )


async def officer_for_subject(
    session: AsyncSession, org_id: uuid.UUID, subject: str
) -> Officer | None:
    """The officer an external identity provider's subject maps to, within the organisation
    the provider's token names."""
    return await session.scalar(
        select(Officer).where(
            col(Officer.org_id) == org_id, col(Officer.external_subject) == subject
        )
    )
