"""The one rule for which products a caller may see, as an SQL predicate.

Every path that reaches a product (lists, by-id lookups, loaders, nested fields, search hits,
facet counts, quote validation) filters with `visible_products(principal)`. A product the caller
may not see is "not found", never "forbidden".

- partner: PUBLISHED products with a live release (neither revoked nor expired) to the partner's
  country, while the partner organisation is VETTED and its country is on the programme's
  partner-country list and not embargoed;
- manufacturer: its own products, any status;
- curator, licensing: all products;
- anyone else: nothing.

Documents (`visible_documents`) follow the entity they are attached to, narrowed by kind as
catalog/access/ describes.
"""

import functools
import uuid
from datetime import datetime
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, exists, false, or_, select, true
from sqlalchemy.orm import Mapped
from sqlalchemy.sql.elements import BindParameter
from sqlmodel import col

from catalog.access import is_active_partner, reads_beyond_me, visible_quotes
from catalog.core.enums import DocumentKind, OrgKind, ProductStatus, QuoteStatus, VettingStatus
from catalog.core.principal import Principal
from catalog.models import Country, Document, Product, QuoteRequest, Release
from catalog.models.base import utcnow


def live_release_to(
    country: str | ColumnElement[str] | Mapped[str], now: datetime | ColumnElement[datetime]
) -> ColumnElement[bool]:
    """A release of the outer Product to `country` (a code, or a column of the outer query)
    that is neither revoked nor expired."""
    return exists(
        select(col(Release.id)).where(
            col(Release.product_id) == col(Product.id),
            col(Release.country) == country,
            col(Release.revoked_at).is_(None),
            or_(col(Release.expires_at).is_(None), col(Release.expires_at) > now),
        )
    )


def exporting_to(country: str | ColumnElement[str]) -> ColumnElement[bool]:
    """`country` is on the partner-country list and not embargoed (the list never holds an
    embargoed country; both are checked so that neither mistake alone opens the catalogue)."""
    return exists(
        select(col(Country.code)).where(
            col(Country.code) == country,
            col(Country.partner).is_(True),
            col(Country.embargoed).is_(False),
        )
    )


def release_country(principal: Principal) -> str | None:
    """The country every product visible to the caller has a live release to: a vetted
    partner's. None for every other caller. An index may use it to narrow what it reads before
    `visible_products` decides; it grants nothing by itself."""
    if (
        principal.kind is OrgKind.PARTNER
        and principal.vetting is VettingStatus.VETTED
        and principal.country is not None
    ):
        return principal.country
    return None


def visible_products(principal: Principal, *, now: datetime | None = None) -> ColumnElement[bool]:
    return _visible_products(
        principal.kind, release_country(principal), principal.org_id, now or utcnow()
    )


def _visible_products(
    kind: OrgKind | None,
    country: str | ColumnElement[str] | None,
    org_id: uuid.UUID | ColumnElement[uuid.UUID] | None,
    now: datetime | ColumnElement[datetime],
) -> ColumnElement[bool]:
    if kind in (OrgKind.CURATOR, OrgKind.LICENSING):
        return true()
    if kind is OrgKind.MANUFACTURER and org_id is not None:
        return col(Product.manufacturer_id) == org_id
    if country is not None:
        return and_(
            col(Product.status) == ProductStatus.PUBLISHED,
            live_release_to(country, now),
            exporting_to(country),
        )
    return false()


# `visible_products` with the caller's values as bound parameters, for statements built once
# per kind of caller and run with `visibility_values`: the same rule, the same SQL.
CallerShape = tuple[OrgKind | None, bool, bool]
_COUNTRY: BindParameter[str] = bindparam("visible_country")
_ORG: BindParameter[uuid.UUID] = bindparam("visible_org")
_NOW: BindParameter[datetime] = bindparam("visible_now")


def caller_shape(principal: Principal) -> CallerShape:
    """What decides the shape of `visible_products` for this caller (not its values)."""
    return principal.kind, release_country(principal) is not None, principal.org_id is not None


@functools.lru_cache(maxsize=32)
def visible_products_prepared(shape: CallerShape) -> ColumnElement[bool]:
    kind, has_country, has_org = shape
    country, org_id = _COUNTRY if has_country else None, _ORG if has_org else None
    return _visible_products(kind, country, org_id, _NOW)


def visibility_values(principal: Principal, *, now: datetime | None = None) -> dict[str, Any]:
    """The values of `visible_products_prepared(caller_shape(principal))`'s parameters."""
    return {
        "visible_country": release_country(principal),
        "visible_org": principal.org_id,
        "visible_now": now or utcnow(),
    }


# Quote statuses after licensing approved the case (the manufacturer may see the EUC then).
LICENSED_QUOTE_STATUSES = frozenset(
    {QuoteStatus.LICENSED, QuoteStatus.OFFERED, QuoteStatus.ACCEPTED, QuoteStatus.DECLINED}
)


def _quote_documents_of(principal: Principal) -> ColumnElement[bool]:
    """Which documents on quotes the caller sees, given that it sees the quote."""
    kind = col(Document.kind)
    if principal.kind is OrgKind.LICENSING:
        return true()
    released_offer = and_(
        col(QuoteRequest.offer_pending).is_(False),
        col(QuoteRequest.status).in_(LICENSED_QUOTE_STATUSES - {QuoteStatus.LICENSED}),
    )
    if is_active_partner(principal):
        return or_(
            kind.in_([DocumentKind.END_USER_CERTIFICATE, DocumentKind.LICENCE]),
            and_(kind == DocumentKind.OFFER, released_offer),
        )
    if principal.kind is OrgKind.MANUFACTURER:
        return or_(
            kind.in_([DocumentKind.LICENCE, DocumentKind.OFFER]),
            and_(
                kind == DocumentKind.END_USER_CERTIFICATE,
                col(QuoteRequest.status).in_(LICENSED_QUOTE_STATUSES),
            ),
        )
    return false()


def visible_documents(principal: Principal) -> ColumnElement[bool]:
    """The documents the caller may see: the same rule as the entity they are attached to."""
    if not reads_beyond_me(principal):
        return false()
    products = select(col(Product.id)).where(visible_products(principal))
    quotes = select(col(QuoteRequest.id)).where(
        visible_quotes(principal), _quote_documents_of(principal)
    )
    kind = col(Document.kind)
    return or_(
        and_(kind == DocumentKind.DATASHEET, col(Document.product_id).in_(products)),
        and_(kind != DocumentKind.DATASHEET, col(Document.quote_request_id).in_(quotes)),
    )
