"""The programme's partner countries and the embargoes, as data.

Curators keep the list of countries the programme exports to (`addPartnerCountry`,
`removePartnerCountry`); an embargoed country can never be on it. Licensing officers impose
and lift embargoes (`embargoCountry`, `liftEmbargo`); an embargo also takes the country off the
list, and lifting it does not put the country back (curators decide that). Every change is
audited and reconciles the open quotes of partners in that country or delivering there
(catalog/licensing/holds.py), in the same transaction.
"""

from collections.abc import Callable

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import require_embargo_officer, require_partner_list_curator
from catalog.core.countries import is_iso_country
from catalog.core.db import Database
from catalog.core.errors import Codes, DomainError, Problem
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, collect
from catalog.licensing.holds import reconcile
from catalog.models import Country


async def list_partner_countries(session: AsyncSession) -> list[Country]:
    rows = await session.scalars(
        select(Country).where(col(Country.partner).is_(True)).order_by(col(Country.code))
    )
    return list(rows)


def _checked(code: str, reason: str) -> tuple[str, str]:
    code, reason = code.strip().upper(), reason.strip()
    problems = collect(check_length("reason", reason, 1, 2000))
    if not is_iso_country(code):
        problems.append(
            Problem(
                f"{code!r} is not an ISO 3166-1 alpha-2 country code",
                Codes.UNKNOWN_COUNTRY,
                "country",
            )
        )
    if problems:
        raise DomainError(problems)
    return code, reason


Change = Callable[[Country], dict[str, bool]]


async def _change(
    db: Database, principal: Principal, code: str, reason: str, action: str, change: Change
) -> Country:
    async with write(db, principal) as tx:
        country = await _locked(tx, code)
        before = {"partner": country.partner, "embargoed": country.embargoed}
        after = change(country)
        for name, value in after.items():
            setattr(country, name, value)
        tx.audit(
            f"country.{action}",
            "Country",
            country.code,
            {"reason": reason, "before": before, "after": after},
        )
        tx.emit("country.changed", "Country", country.code)
        if after != {k: before[k] for k in after}:
            await reconcile(tx, countries=[country.code])
    return country


async def _locked(tx: WriteTransaction, code: str) -> Country:
    country = await tx.session.scalar(
        select(Country).where(col(Country.code) == code).with_for_update()
    )
    if country is None:
        raise DomainError.one(f"unknown country {code}", Codes.UNKNOWN_COUNTRY, "country")
    return country


def _listable(country: Country) -> dict[str, bool]:
    if country.embargoed:
        raise DomainError.one(
            f"{country.code} is under an arms embargo and cannot be a partner country",
            Codes.EMBARGOED,
            "country",
        )
    return {"partner": True}


async def add_partner_country(
    db: Database, principal: Principal, code: str, reason: str
) -> Country:
    require_partner_list_curator(principal)
    code, reason = _checked(code, reason)
    return await _change(db, principal, code, reason, "partner_added", _listable)


async def remove_partner_country(
    db: Database, principal: Principal, code: str, reason: str
) -> Country:
    require_partner_list_curator(principal)
    code, reason = _checked(code, reason)
    return await _change(
        db, principal, code, reason, "partner_removed", lambda _: {"partner": False}
    )


async def embargo_country(db: Database, principal: Principal, code: str, reason: str) -> Country:
    require_embargo_officer(principal)
    code, reason = _checked(code, reason)
    return await _change(
        db, principal, code, reason, "embargoed", lambda _: {"embargoed": True, "partner": False}
    )


async def lift_embargo(db: Database, principal: Principal, code: str, reason: str) -> Country:
    require_embargo_officer(principal)
    code, reason = _checked(code, reason)
    return await _change(
        db, principal, code, reason, "embargo_lifted", lambda _: {"embargoed": False}
    )
