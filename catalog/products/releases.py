"""Releases: which countries a product is released to, decided by curators.

Only to the programme's partner countries: an embargoed country answers EMBARGOED, any other
country off the partner-country list NOT_A_PARTNER_COUNTRY. Releasing and revoking reconcile
the product's open quotes in the same transaction (catalog/licensing/holds.py)."""

import uuid
from typing import cast

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import require_release_curator
from catalog.core.countries import is_iso_country
from catalog.core.db import Database
from catalog.core.errors import Codes, DomainError, Problem
from catalog.core.principal import Principal
from catalog.core.transactions import write
from catalog.licensing.holds import reconcile
from catalog.models import Country, Product, Release
from catalog.models.base import utcnow
from catalog.products.lifecycle import visible_for_update

MAX_COUNTRIES_PER_CALL = 100


def _normalise_codes(countries: list[str]) -> list[str]:
    if not countries:
        raise DomainError.one("give at least one country", Codes.INVALID, "countries")
    if len(countries) > MAX_COUNTRIES_PER_CALL:
        raise DomainError.one(
            f"at most {MAX_COUNTRIES_PER_CALL} countries per call", Codes.INVALID, "countries"
        )
    problems = [
        Problem(
            f"{code!r} is not an ISO 3166-1 alpha-2 country code",
            Codes.UNKNOWN_COUNTRY,
            "countries",
        )
        for code in countries
        if not is_iso_country(code.strip().upper()) or len(code.strip()) != 2
    ]
    if problems:
        raise DomainError(problems)
    return sorted({code.strip().upper() for code in countries})


async def _not_releasable(session: AsyncSession, codes: list[str]) -> list[Problem]:
    """Embargoed countries and countries off the partner-country list, as problems. The rows
    are locked for share, so a concurrent change to the list waits for this release."""
    rows = await session.scalars(
        select(Country)
        .where(col(Country.code).in_(codes))
        .order_by(Country.code)
        .with_for_update(read=True)
    )
    problems = []
    for country in rows:
        if country.embargoed:
            problems.append(
                Problem(f"{country.code} is under an arms embargo", Codes.EMBARGOED, "countries")
            )
        elif not country.partner:
            problems.append(
                Problem(
                    f"{country.code} is not one of the programme's partner countries",
                    Codes.NOT_A_PARTNER_COUNTRY,
                    "countries",
                )
            )
    return problems


async def live_releases(session: AsyncSession, product_ids: list[uuid.UUID]) -> list[Release]:
    rows = await session.scalars(
        select(Release)
        .where(col(Release.product_id).in_(product_ids), col(Release.revoked_at).is_(None))
        .order_by(Release.country)
    )
    return list(rows)


async def release_product(
    db: Database, principal: Principal, product_id: uuid.UUID, countries: list[str]
) -> Product:
    require_release_curator(principal)
    codes = _normalise_codes(countries)
    async with write(db, principal) as tx:
        refused = await _not_releasable(tx.session, codes)  # countries first: the lock order
        if refused:
            raise DomainError(refused)
        product = await visible_for_update(tx, principal, product_id)
        now = utcnow()
        existing = set()
        for release in await live_releases(tx.session, [product_id]):
            if release.expires_at is not None and release.expires_at <= now:
                # An expired release is over: close it so that a new one can take its place.
                release.revoked_at = now
                release.revoked_by_org_id = principal.org_id
            else:
                existing.add(release.country)
        await tx.session.flush()  # the closed release frees its (product, country) slot
        added = [code for code in codes if code not in existing]
        for code in added:
            tx.session.add(
                Release(
                    product_id=product_id,
                    country=code,
                    # require_release_curator admitted only a curator organisation's principal
                    released_by_org_id=cast(uuid.UUID, principal.org_id),
                )
            )
        tx.audit(
            "product.released",
            "Product",
            product_id,
            {"countries": added, "already": sorted(existing & set(codes))},
        )
        tx.emit("product.changed", "Product", product_id)
        await reconcile(tx, product_ids=[product_id])
    return product


async def revoke_release(
    db: Database, principal: Principal, product_id: uuid.UUID, countries: list[str]
) -> Product:
    require_release_curator(principal)
    codes = _normalise_codes(countries)
    async with write(db, principal) as tx:
        product = await visible_for_update(tx, principal, product_id)
        now = utcnow()
        revoked = []
        for release in await live_releases(tx.session, [product_id]):
            if release.country in codes:
                release.revoked_at = now
                release.revoked_by_org_id = principal.org_id
                revoked.append(release.country)
        tx.audit("product.release_revoked", "Product", product_id, {"countries": revoked})
        tx.emit("product.changed", "Product", product_id)
        await reconcile(tx, product_ids=[product_id])
    return product
