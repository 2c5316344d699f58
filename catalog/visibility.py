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
"""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true
from sqlalchemy.orm import Mapped
from sqlmodel import col

from catalog.core.enums import OrgKind, ProductStatus, VettingStatus
from catalog.core.principal import Principal
from catalog.models import Country, Product, Release
from catalog.models.base import utcnow


def live_release_to(
    country: str | ColumnElement[str] | Mapped[str], now: datetime
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


def exporting_to(country: str) -> ColumnElement[bool]:
    """`country` is on the partner-country list and not embargoed (the list never holds an
    embargoed country; both are checked so that neither mistake alone opens the catalogue)."""
    return exists(
        select(col(Country.code)).where(
            col(Country.code) == country,
            col(Country.partner).is_(True),
            col(Country.embargoed).is_(False),
        )
    )


def visible_products(principal: Principal, *, now: datetime | None = None) -> ColumnElement[bool]:
    kind = principal.kind
    if kind in (OrgKind.CURATOR, OrgKind.LICENSING):
        return true()
    if kind is OrgKind.MANUFACTURER and principal.org_id is not None:
        return col(Product.manufacturer_id) == principal.org_id
    if (
        kind is OrgKind.PARTNER
        and principal.vetting is VettingStatus.VETTED
        and principal.country is not None
    ):
        return and_(
            col(Product.status) == ProductStatus.PUBLISHED,
            live_release_to(principal.country, now or utcnow()),
            exporting_to(principal.country),
        )
    return false()
