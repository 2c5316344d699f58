"""`catalogue.changed` webhooks for partners: a product released to the partner's country is
ADDED, revoked is REMOVED, and partners of other countries hear nothing (SQLite and
PostgreSQL)."""

import uuid

import pytest
from sqlalchemy import select

from catalog import access
from catalog.core.db import Database
from catalog.core.enums import ProductStatus
from catalog.core.errors import DomainError
from catalog.core.principal import Principal
from catalog.demo.seed import seed_demo
from catalog.models import Organisation, Product, Release, WebhookDelivery
from catalog.products.releases import release_product, revoke_release
from catalog.webhooks import endpoints as webhooks
from catalog.webhooks.egress import parse_networks
from notify.webhooks import fan_out

LOOPBACK = parse_networks(["127.0.0.0/8"])
BASE = "http://127.0.0.1:9"


def never() -> bool:
    return False


async def principal(db: Database, slug: str) -> Principal:
    async with db.read() as session:
        org = await session.scalar(select(Organisation).where(Organisation.slug == slug))
    assert org is not None
    return access.receiver(org)


async def unreleased(db: Database, country: str) -> uuid.UUID:
    live = select(Release.product_id).where(
        Release.country == country,
        Release.revoked_at.is_(None),  # type: ignore[union-attr]
    )
    async with db.read() as session:
        found = await session.scalar(
            select(Product.id)
            .where(Product.status == ProductStatus.PUBLISHED, Product.id.not_in(live))  # type: ignore[attr-defined]
            .order_by(Product.name)
            .limit(1)
        )
    assert found is not None
    return found


async def told(db: Database, endpoint_id: uuid.UUID) -> list[dict[str, str]]:
    async with db.read() as session:
        rows = await session.scalars(
            select(WebhookDelivery)
            .where(WebhookDelivery.endpoint_id == endpoint_id)
            .order_by(WebhookDelivery.event_id)  # type: ignore[arg-type]
        )
        return [{"event": row.event, **row.payload["data"]} for row in rows]


async def test_partners_hear_of_products_entering_and_leaving_their_catalogue(
    db: Database,
) -> None:
    await seed_demo(db)
    poland, germany = await principal(db, "demo-partner-PL"), await principal(db, "demo-partner-DE")
    curator = await principal(db, "demo-curator")
    endpoints = {}
    for name, partner in (("pl", poland), ("de", germany)):
        endpoint, _ = await webhooks.create_webhook(
            db, partner, f"{BASE}/{name}", ["catalogue.changed"], allow_networks=LOOPBACK
        )
        endpoints[name] = endpoint.id
    product_id = await unreleased(db, "PL")
    # The worker fans each change out as it comes (the partner is told what the product is
    # to it when the event is fanned out).
    await release_product(db, curator, product_id, ["PL"])
    await fan_out(db, never)
    await revoke_release(db, curator, product_id, ["PL"])
    await fan_out(db, never)
    await fan_out(db, never)  # idempotent

    heard = await told(db, endpoints["pl"])
    assert [(h["event"], h["change"]) for h in heard] == [
        ("catalogue.changed", "ADDED"),
        ("catalogue.changed", "REMOVED"),
    ]
    assert heard[0]["id"] == heard[1]["id"] and "name" in heard[0] and "name" not in heard[1]
    assert str(product_id) not in str(heard)  # global IDs only
    assert await told(db, endpoints["de"]) == []


async def test_only_partners_subscribe_to_the_catalogue(db: Database) -> None:
    await seed_demo(db)
    maker = await principal(db, "demo-manufacturer-1")
    with pytest.raises(DomainError):
        await webhooks.create_webhook(
            db, maker, f"{BASE}/m", ["catalogue.changed"], allow_networks=LOOPBACK
        )
    partner = await principal(db, "demo-partner-PL")
    with pytest.raises(DomainError):
        await webhooks.create_webhook(
            db, partner, f"{BASE}/p", ["product.changed"], allow_networks=LOOPBACK
        )
