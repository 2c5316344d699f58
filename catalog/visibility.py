"""The one rule for which products a caller may see, as an SQL predicate.

Every path that reaches a product (lists, by-id lookups, loaders, nested fields, search hits,
facet counts, quote validation) filters with `visible_products(principal)`. A product the caller
may not see is "not found", never "forbidden".

- partner: PUBLISHED products with a live release to the partner's country, while the
  partner organisation is VETTED and its country is not embargoed;
- manufacturer: its own products, any status;
- curator, licensing: all products;
- anyone else: nothing.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, exists, false, or_, select, true

from catalog.core.enums import OrgKind, ProductStatus, VettingStatus
from catalog.core.principal import Principal
from catalog.models import Country, Product, Release
from catalog.models.base import utcnow


def live_release_to(country: str, now: datetime) -> ColumnElement[bool]:
    """A release of the outer Product to `country` that is neither revoked nor expired."""
    return exists(
        select(Release.id).where(
            Release.product_id == Product.id,
            Release.country == country,
            Release.revoked_at.is_(None),  # type: ignore[union-attr]
            or_(Release.expires_at.is_(None), Release.expires_at > now),  # type: ignore[union-attr,operator]
        )
    )


def country_not_embargoed(country: str) -> ColumnElement[bool]:
    return exists(select(Country.code).where(Country.code == country, Country.embargoed.is_(False)))  # type: ignore[attr-defined]


def visible_products(principal: Principal, *, now: datetime | None = None) -> ColumnElement[bool]:
    kind = principal.kind
    if kind in (OrgKind.CURATOR, OrgKind.LICENSING):
        return true()
    if kind is OrgKind.MANUFACTURER and principal.org_id is not None:
        return Product.manufacturer_id == principal.org_id  # type: ignore[return-value]
    if (
        kind is OrgKind.PARTNER
        and principal.vetting is VettingStatus.VETTED
        and principal.country is not None
    ):
        return and_(
            Product.status == ProductStatus.PUBLISHED,
            live_release_to(principal.country, now or utcnow()),
            country_not_embargoed(principal.country),
        )
    return false()
