"""Shared pieces for the quote and licensing tests: principals of demo organisations and
products they can see."""

import uuid
from dataclasses import replace
from datetime import date

from sqlalchemy import func, select

from catalog.core.db import Database
from catalog.core.enums import SCOPES_BY_KIND, OrgKind, ProductCategory, TechTransfer
from catalog.core.principal import Principal
from catalog.models import (
    AuditEvent,
    LicensingCase,
    Officer,
    Organisation,
    OutboxEvent,
    Product,
    QuoteRequest,
)
from catalog.quotes.requests import QuoteInput
from catalog.visibility import visible_products


async def principal_of(db: Database, slug: str, subject: str | None = None) -> Principal:
    async with db.read() as session:
        org = await session.scalar(select(Organisation).where(Organisation.slug == slug))
    assert org is not None, slug
    subject = subject or f"client-{slug}"
    officer = await _officer_of(db, org, subject) if org.kind in _OFFICER_KINDS else None
    return Principal.for_organisation(
        org,
        subject=subject,
        client_id=subject,
        scopes=SCOPES_BY_KIND[org.kind],
        officer_id=officer.id if officer else None,
        officer_name=officer.name if officer else None,
    )


_OFFICER_KINDS = (OrgKind.LICENSING, OrgKind.CURATOR)


async def _officer_of(db: Database, org: Organisation, subject: str) -> Officer:
    """The person a licensing or curator subject acts for: one officer per subject, so two
    subjects are two people for four-eyes (made directly, as a fixture, without audit)."""
    email = f"{subject}@{org.slug.lower()}.test"
    async with db.write_session() as session, session.begin():
        officer = await session.scalar(select(Officer).where(Officer.email == email))
        if officer is None:
            officer = Officer(org_id=org.id, name=subject, email=email)
            session.add(officer)
    return officer


async def product_for(
    db: Database,
    principal: Principal,
    *,
    category: ProductCategory = ProductCategory.GROUND_DRONE,
    tech_transfer: TechTransfer = TechTransfer.NONE,
) -> Product:
    async with db.read() as session:
        product = await session.scalar(
            select(Product)
            .where(
                visible_products(principal),
                Product.category == category,
                Product.tech_transfer == tech_transfer,
                Product.units_available >= 20,
            )
            .order_by(Product.name)
            .limit(1)
        )
    assert product is not None
    return product


async def hidden_product_for(db: Database, principal: Principal) -> Product:
    async with db.read() as session:
        product = await session.scalar(
            select(Product).where(~visible_products(principal)).order_by(Product.name).limit(1)
        )
    assert product is not None
    return product


def quote_input(product: Product, **changes: object) -> QuoteInput:
    base = QuoteInput(
        product_id=product.id,
        quantity=2,
        delivery_country="PL",
        end_user="12th Mechanised Brigade",
        end_use="Casualty evacuation trials on the eastern training range.",
        idempotency_key=uuid.uuid4().hex,
        required_by=date(2030, 1, 1),
        notes="internal: budget line 7",
    )
    return replace(base, **changes)  # type: ignore[arg-type]


async def count(db: Database, model: type) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def counts(db: Database) -> tuple[int, int, int, int]:
    return (
        await count(db, QuoteRequest),
        await count(db, LicensingCase),
        await count(db, AuditEvent),
        await count(db, OutboxEvent),
    )


async def manufacturer_slug(db: Database, product: Product) -> str:
    async with db.read() as session:
        org = await session.get(Organisation, product.manufacturer_id)
    assert org is not None
    return org.slug
