"""What a new quote is checked and routed on, read inside its transaction in two statements.

`requestQuote` is the busiest write, and on both databases the cost of a statement is mostly
the client's (SQLAlchemy, the driver, a round trip), not the server's. So the quote reads with
plain Core statements, not ORM entities, and as few of them as the locking rules allow:

1. `lock`: the share locks, in the order every writer takes them (countries, organisation,
   product), in one statement: on PostgreSQL an `Append` of three locking subqueries, which
   runs them one after another in that order. The same statement looks up an earlier quote
   with the request's idempotency key.
2. `read_subject`: after the locks, in a statement of its own so that it sees every change
   committed before they were granted: the partner, both countries, the product if the
   caller may see it (`visible_products`), the newest rule-set version and whether any
   export freeze is active.

A concurrent embargo, vetting change, revocation, suspension or freeze waits for the quote
(it locks one of these rows for update), or the quote waits and then reads the change.
"""

import functools
import uuid
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import sqlalchemy as sa
from sqlalchemy.ext.asyncio import AsyncConnection

from catalog.core.enums import ProductCategory, TechTransfer
from catalog.core.principal import OrganisationRow, Principal
from catalog.models import (
    Country,
    ExportFreeze,
    Organisation,
    Product,
    QuoteRequest,
    RuleSetVersion,
)
from catalog.models.base import table_of
from catalog.visibility import (
    CallerShape,
    caller_shape,
    visibility_values,
    visible_products_prepared,
)

_COUNTRY = table_of(Country)
_ORG = table_of(Organisation)
_PRODUCT = table_of(Product)
_QUOTE = table_of(QuoteRequest)
_FREEZE = table_of(ExportFreeze)
_VERSION = table_of(RuleSetVersion)


@dataclass(frozen=True, slots=True)
class CountryRow:
    code: str
    embargoed: bool
    eu: bool
    nato: bool
    partner: bool


@dataclass(frozen=True, slots=True)
class ProductRow:
    id: uuid.UUID
    category: ProductCategory
    control_entry: str
    tech_transfer: TechTransfer
    unit_price_eur: Decimal | None
    units_available: int


@dataclass(frozen=True, slots=True)
class Subject:
    partner: OrganisationRow | None
    own: CountryRow | None  # the partner's country
    delivery: CountryRow | None
    product: ProductRow | None  # None: not there, or not visible to the caller
    rule_set_version: int | None  # None before any version exists
    freezes_active: bool


def _locked(statement: sa.Select[str], name: str) -> sa.Select[str, str]:
    inner = statement.with_for_update(read=True).subquery(f"locked_{name}")
    return sa.select(sa.literal(name).label("kind"), sa.cast(inner.c[0], sa.String).label("key"))


def _lock_statement() -> sa.CompoundSelect[str, str]:
    org = sa.bindparam("org_id", type_=sa.Uuid())
    product = sa.bindparam("product_id", type_=sa.Uuid())
    countries = sa.select(_COUNTRY.c.code).where(
        _COUNTRY.c.code.in_(sa.bindparam("codes", expanding=True))
    )
    earlier = sa.select(
        sa.literal("earlier").label("kind"), sa.cast(_QUOTE.c.id, sa.String).label("key")
    ).where(_QUOTE.c.partner_org_id == org, _QUOTE.c.idempotency_key == sa.bindparam("key"))
    return sa.union_all(
        _locked(countries.order_by(_COUNTRY.c.code), "country"),
        _locked(sa.select(_ORG.c.id).where(_ORG.c.id == org), "organisation"),
        _locked(sa.select(_PRODUCT.c.id).where(_PRODUCT.c.id == product), "product"),
        earlier,
    )


# Built once: the same statement object every time skips building and its cache key.
_LOCK = _lock_statement()


async def lock(
    conn: AsyncConnection, principal: Principal, product_id: uuid.UUID, delivery: str, key: str
) -> uuid.UUID | None:
    """Share-lock the countries, the partner and the product, in that order; the id of an
    earlier quote of the partner with this idempotency key, if any."""
    given = {
        "codes": sorted({principal.country or "", delivery}),
        "org_id": principal.org_id,
        "product_id": product_id,
        "key": key,
    }
    for kind, value in await conn.execute(_LOCK, given):
        if kind == "earlier":
            return uuid.UUID(value)
    return None


def _country(row: sa.Row[*tuple[Any, ...]], prefix: str) -> CountryRow | None:
    code = getattr(row, f"{prefix}_code")
    if code is None:
        return None
    return CountryRow(
        code,
        getattr(row, f"{prefix}_embargoed"),
        getattr(row, f"{prefix}_eu"),
        getattr(row, f"{prefix}_nato"),
        getattr(row, f"{prefix}_partner"),
    )


def _country_columns(alias: sa.FromClause, prefix: str) -> list[sa.Label[Any]]:
    names = ("code", "embargoed", "eu", "nato", "partner")
    return [alias.c[name].label(f"{prefix}_{name}") for name in names]


@functools.lru_cache(maxsize=32)
def _subject_statement(shape: CallerShape) -> sa.Select[Any]:
    """Built once per kind of caller, like the products page: the caller's organisation, the
    delivery country and the product are parameters, and so are the visibility rule's."""
    own_country = _COUNTRY.alias("own_country")
    delivery_country = _COUNTRY.alias("delivery_country")
    product = _PRODUCT.c
    return (
        sa.select(
            _ORG.c.id,
            _ORG.c.slug,
            _ORG.c.name,
            _ORG.c.kind,
            _ORG.c.country,
            _ORG.c.vetting,
            *_country_columns(own_country, "own"),
            *_country_columns(delivery_country, "delivery"),
            product.id.label("product_id"),
            product.category,
            product.control_entry,
            product.tech_transfer,
            product.unit_price_eur,
            product.units_available,
            sa.select(sa.func.max(_VERSION.c.version)).scalar_subquery().label("version"),
            sa.exists(sa.select(_FREEZE.c.id).where(_FREEZE.c.lifted_at.is_(None))).label(
                "freezes"
            ),
        )
        .select_from(_ORG)
        .outerjoin(own_country, own_country.c.code == _ORG.c.country)
        .outerjoin(
            delivery_country,
            delivery_country.c.code == sa.bindparam("subject_delivery", type_=sa.String()),
        )
        .outerjoin(
            _PRODUCT,
            sa.and_(
                product.id == sa.bindparam("subject_product", type_=product.id.type),
                visible_products_prepared(shape),
            ),
        )
        .where(_ORG.c.id == sa.bindparam("subject_org", type_=_ORG.c.id.type))
    )


async def read_subject(
    conn: AsyncConnection, principal: Principal, product_id: uuid.UUID, delivery: str
) -> Subject:
    values = {
        "subject_delivery": delivery,
        "subject_product": product_id,
        "subject_org": principal.org_id,
        **visibility_values(principal),
    }
    row = (await conn.execute(_subject_statement(caller_shape(principal)), values)).first()
    if row is None:
        return Subject(None, None, None, None, None, False)
    found = None
    if row.product_id is not None:
        found = ProductRow(
            row.product_id,
            row.category,
            row.control_entry,
            row.tech_transfer,
            row.unit_price_eur,
            row.units_available,
        )
    return Subject(
        partner=OrganisationRow(row.id, row.slug, row.name, row.kind, row.country, row.vetting),
        own=_country(row, "own"),
        delivery=_country(row, "delivery"),
        product=found,
        rule_set_version=row.version,
        freezes_active=bool(row.freezes),
    )
