"""Organisations: manufacturers listing, partner vetting and suspension. Vetting changes
reconcile the partner's open quotes in the same transaction (catalog/licensing/holds.py):
suspending holds them, vetting again resumes them."""

import uuid

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import require_vetting_curator
from catalog.core.db import Database
from catalog.core.enums import OrgKind, VettingStatus
from catalog.core.errors import DomainError, not_found
from catalog.core.principal import Principal
from catalog.core.transactions import write
from catalog.core.validation import check_length, collect
from catalog.licensing.holds import reconcile
from catalog.models import Country, Organisation
from catalog.models.base import utcnow


async def list_manufacturers(session: AsyncSession, first: int) -> list[Organisation]:
    rows = await session.scalars(
        select(Organisation)
        .where(col(Organisation.kind) == OrgKind.MANUFACTURER)
        .order_by(Organisation.name, col(Organisation.id))
        .limit(first)
    )
    return list(rows)


async def list_partners(session: AsyncSession, first: int) -> list[Organisation]:
    rows = await session.scalars(
        select(Organisation)
        .where(col(Organisation.kind) == OrgKind.PARTNER)
        .order_by(Organisation.country, Organisation.name)
        .limit(first)
    )
    return list(rows)


async def organisations_by_id(
    session: AsyncSession, ids: list[uuid.UUID]
) -> dict[uuid.UUID, Organisation]:
    rows = await session.scalars(select(Organisation).where(col(Organisation.id).in_(ids)))
    return {row.id: row for row in rows}


async def list_countries(session: AsyncSession) -> list[Country]:
    return list(await session.scalars(select(Country).order_by(Country.code)))


async def set_partner_vetting(
    db: Database,
    principal: Principal,
    organisation_id: uuid.UUID,
    vetting: VettingStatus,
    reason: str | None = None,
) -> Organisation:
    require_vetting_curator(principal)
    problems = collect(check_length("reason", reason, 0, 2000))
    if problems:
        raise DomainError(problems)
    async with write(db, principal) as tx:
        org = await tx.session.scalar(
            select(Organisation).where(col(Organisation.id) == organisation_id).with_for_update()
        )
        if org is None or org.kind is not OrgKind.PARTNER:
            raise not_found("partner organisation", "organisationId")
        previous = org.vetting
        org.vetting = vetting
        org.updated_at = utcnow()
        tx.audit(
            "partner.vetting_changed",
            "Organisation",
            org.id,
            {"from": previous, "to": vetting, "reason": reason},
        )
        tx.emit("organisation.changed", "Organisation", org.id)
        await reconcile(tx, partner_org_ids=[org.id])
    return org
