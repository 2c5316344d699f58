"""Export centres: where partners see, learn, maintain and take delivery of Ukrainian systems.

Curators keep the centres (`create_centre`, `update_centre`): a name, a partner country of the
programme and a city, a status (PLANNED, OPEN, CLOSED), the product categories the centre
handles and its services. Every caller that reads the catalogue sees the list.
Manufacturers link their products to the centres that stock or demonstrate them
(`set_product_centres`); partners filter listings and search by centre
(`ProductFilter.export_centre_id`).

A quote may be delivered through a centre (`delivery_centre`): it must be OPEN, offer DELIVERY
and handle the product's category. Routing then sees the centre's country as a transit
country (flag VIA_EXPORT_CENTRE); the final destination stays the quote's delivery country.
While the centre stops delivering (another status, DELIVERY dropped) or its country is
embargoed or taken off the list, the open quotes through it are held like any other cause
(catalog/quotes/invariants.py), and resume when that ends.
"""

import uuid
from dataclasses import dataclass, field

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import require_centre_curator, require_manufacturer
from catalog.core.db import Database
from catalog.core.enums import CentreService, CentreStatus, ProductCategory
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, collect
from catalog.licensing.holds import reconcile
from catalog.models import Country, ExportCentre, Product, ProductExportCentre, QuoteRequest
from catalog.models.base import utcnow
from catalog.products.lifecycle import visible_for_update
from catalog.programme.coverage import Covered

EDITABLE = ("name", "country", "city", "status", "categories", "services")


@dataclass
class CentreDraft:
    """A new centre, or the changes to one (only the fields named in `given`)."""

    name: str | None = None
    country: str | None = None
    city: str | None = None
    status: CentreStatus | None = None
    categories: list[ProductCategory] | None = None
    services: list[CentreService] | None = None
    given: set[str] = field(default_factory=set)


def _texts(draft: CentreDraft) -> list[Problem]:
    return collect(
        check_length("name", draft.name.strip() if draft.name else "", 1, 200)
        if "name" in draft.given
        else None,
        check_length("city", draft.city.strip() if draft.city else "", 1, 120)
        if "city" in draft.given
        else None,
    )


async def _partner_country(session: AsyncSession, code: str | None) -> str:
    country = await session.get(Country, (code or "").strip().upper())
    if country is None:
        raise DomainError.one(f"{code!r} is not a country", Codes.UNKNOWN_COUNTRY, "country")
    if not country.partner or country.embargoed:
        raise DomainError.one(
            f"{country.code} is not a partner country of the programme",
            Codes.NOT_A_PARTNER_COUNTRY,
            "country",
        )
    return country.code


async def _apply(tx: WriteTransaction, centre: ExportCentre, draft: CentreDraft) -> list[str]:
    problems = _texts(draft)
    if problems:
        raise DomainError(problems)
    for name in sorted(draft.given):
        value = getattr(draft, name)
        if value is None:
            raise DomainError.one(f"{name} must not be null", Codes.INVALID, name)
        if name == "country":
            value = await _partner_country(tx.session, value)
        elif name in ("name", "city"):
            value = value.strip()
        elif name in ("categories", "services"):
            value = sorted({str(v) for v in value})
        setattr(centre, name, value)
    return sorted(draft.given)


async def create_centre(db: Database, principal: Principal, draft: CentreDraft) -> ExportCentre:
    require_centre_curator(principal)
    missing = [n for n in ("name", "country", "city") if n not in draft.given]
    if missing:
        raise DomainError.one(f"{missing[0]} is required", Codes.INVALID, missing[0])
    async with write(db, principal) as tx:
        centre = ExportCentre(name="", country="", city="")
        await _apply(tx, centre, draft)
        tx.session.add(centre)
        tx.audit("export_centre.created", "ExportCentre", centre.id, _described(centre))
    return centre


async def update_centre(
    db: Database, principal: Principal, centre_id: uuid.UUID, draft: CentreDraft
) -> ExportCentre:
    require_centre_curator(principal)
    async with write(db, principal) as tx:
        centre = await tx.session.scalar(
            select(ExportCentre).where(col(ExportCentre.id) == centre_id).with_for_update()
        )
        if centre is None:
            raise not_found("export centre", "exportCentreId")
        before = _described(centre)
        changed = await _apply(tx, centre, draft)
        centre.updated_at = utcnow()
        # Quotes delivered through it hold while it no longer delivers, and resume after.
        routed = await tx.session.scalars(
            select(col(QuoteRequest.product_id))
            .distinct()
            .where(col(QuoteRequest.export_centre_id) == centre.id)
            .order_by(col(QuoteRequest.product_id))
        )
        await reconcile(tx, product_ids=list(routed))
        tx.audit(
            "export_centre.updated",
            "ExportCentre",
            centre.id,
            {"changed": changed, "from": before, "to": _described(centre)},
        )
    return centre


def _described(centre: ExportCentre) -> dict[str, object]:
    return {name: getattr(centre, name) for name in EDITABLE}


async def list_centres(
    session: AsyncSession, *, status: CentreStatus | None = None, country: str | None = None
) -> list[ExportCentre]:
    statement = select(ExportCentre).order_by(col(ExportCentre.country), col(ExportCentre.name))
    if status is not None:
        statement = statement.where(col(ExportCentre.status) == status)
    if country:
        statement = statement.where(col(ExportCentre.country) == country.strip().upper())
    return list(await session.scalars(statement))


async def centres_of_products(
    session: AsyncSession, product_ids: list[uuid.UUID]
) -> dict[uuid.UUID, list[ExportCentre]]:
    rows = await session.execute(
        select(col(ProductExportCentre.product_id), ExportCentre)
        .join(ExportCentre, col(ExportCentre.id) == col(ProductExportCentre.centre_id))
        .where(col(ProductExportCentre.product_id).in_(product_ids))
        .order_by(col(ExportCentre.country), col(ExportCentre.name))
    )
    found: dict[uuid.UUID, list[ExportCentre]] = {pid: [] for pid in product_ids}
    for product_id, centre in rows:
        found[product_id].append(centre)
    return found


async def set_product_centres(
    db: Database, principal: Principal, product_id: uuid.UUID, centre_ids: list[uuid.UUID]
) -> Product:
    """The manufacturer's product is stocked or demonstrated at exactly these centres."""
    owner = require_manufacturer(principal)
    wanted = sorted(set(centre_ids))
    async with write(db, principal) as tx:
        product = await visible_for_update(tx, principal, product_id)
        if product.manufacturer_id != owner:
            raise not_found("product", "productId")
        centres = list(
            await tx.session.scalars(select(ExportCentre).where(col(ExportCentre.id).in_(wanted)))
        )
        if len(centres) != len(wanted):
            raise not_found("export centre", "exportCentreIds")
        closed = [c.name for c in centres if c.status is CentreStatus.CLOSED]
        if closed:
            raise DomainError.one(
                f"{closed[0]} is closed", Codes.INVALID_TRANSITION, "exportCentreIds"
            )
        await tx.session.execute(
            delete(ProductExportCentre).where(col(ProductExportCentre.product_id) == product.id)
        )
        tx.session.add_all(ProductExportCentre(product_id=product.id, centre_id=c) for c in wanted)
        product.updated_at = utcnow()
        tx.audit("product.export_centres_set", "Product", product.id, {"centres": wanted})
        tx.emit("product.changed", "Product", product.id)
    return product


async def delivery_centre(
    session: AsyncSession, centre_id: uuid.UUID, product: Covered
) -> tuple[ExportCentre, Country]:
    """The centre a quote is delivered through, and its country (a transit country)."""
    centre = await session.get(ExportCentre, centre_id)
    if centre is None:
        raise not_found("export centre", "exportCentreId")
    reason = None
    if centre.status is not CentreStatus.OPEN:
        reason = f"{centre.name} is {centre.status}, not OPEN"
    elif CentreService.DELIVERY not in centre.services:
        reason = f"{centre.name} does not offer DELIVERY"
    elif centre.categories and str(product.category) not in centre.categories:
        reason = f"{centre.name} does not handle {product.category}"
    if reason is not None:
        raise DomainError.one(reason, Codes.NOT_ALLOWED, "exportCentreId")
    return centre, await session.get_one(Country, centre.country)


async def centres_by_id(
    session: AsyncSession, ids: list[uuid.UUID]
) -> dict[uuid.UUID, ExportCentre]:
    rows = await session.scalars(select(ExportCentre).where(col(ExportCentre.id).in_(ids)))
    return {c.id: c for c in rows}
