"""Webhooks: registration over GraphQL, signed deliveries to a real receiver on 127.0.0.1
(allowed through WEBHOOK_ALLOW_NETWORKS, as an operator would allow an internal receiver),
retries with backoff, stopping between rows, at-least-once across a worker restart, and no
delivery to an organisation that could not read the object."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from datetime import timedelta
from pathlib import Path

import httpx
import pytest
from sqlalchemy import select

from api.settings import Settings
from catalog import access
from catalog.core.db import Database
from catalog.core.enums import VettingStatus
from catalog.core.principal import Principal
from catalog.demo.seed import seed_demo
from catalog.models import (
    AuditEvent,
    DeliveryStatus,
    Organisation,
    Product,
    WebhookDelivery,
)
from catalog.models.base import utcnow
from catalog.organisations.directory import set_partner_vetting
from catalog.products.lifecycle import ProductDraft, update_product
from catalog.quotes.requests import QuoteInput, request_quote
from catalog.visibility import visible_products
from catalog.webhooks import endpoints as webhooks
from catalog.webhooks.egress import parse_networks
from notify.egress import Egress
from notify.webhooks import fan_out, send_due
from tests.graphql import gql
from tests.live import serve
from tests.webhook_receiver import Receiver

ROOT = Path(__file__).resolve().parent.parent
CREATE = """mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  webhook { id url events } secret errors { field code message } } }"""
RECENT = """{ webhooks { recentDeliveries(first: 5) {
  id event status attempts nextAttemptAt lastStatusCode lastError deliveredAt } } }"""
CREATE_PRODUCT = """mutation($input: CreateProductInput!) { createProduct(input: $input) {
  product { id } errors { code } } }"""


LOOPBACK = parse_networks(["127.0.0.0/8"])


def never() -> bool:
    return False


@pytest.fixture
def settings(database_url: str) -> Settings:
    """The suite's settings, with loopback receivers allowed."""
    return Settings(
        database_url=database_url,
        market_env="test",
        rate_limit_capacity=10**9,
        webhook_allow_networks=["127.0.0.0/8"],
    )


async def principal(db: Database, slug: str) -> Principal:
    async with db.read() as session:
        org = await session.scalar(select(Organisation).where(Organisation.slug == slug))
    assert org is not None
    return access.receiver(org)


async def deliveries(db: Database) -> list[WebhookDelivery]:
    async with db.read() as session:
        rows = await session.scalars(select(WebhookDelivery).order_by(WebhookDelivery.event_id))
        return list(rows)


async def touch_products(db: Database, slug: str, count: int) -> list[uuid.UUID]:
    """`count` outbox events: availability updates on a manufacturer's products."""
    maker = await principal(db, slug)
    async with db.read() as session:
        ids = list(
            await session.scalars(
                select(Product.id).where(Product.manufacturer_id == maker.org_id).limit(count)
            )
        )
    assert len(ids) == count
    for number, product_id in enumerate(ids):
        draft = ProductDraft(units_available=100 + number, given={"units_available"})
        await update_product(db, maker, product_id, draft)
    return ids


def _product_input(name: str) -> dict[str, object]:
    return {
        "name": name,
        "category": "GROUND_DRONE",
        "summary": "Tracked carrier",
        "controlEntry": "ML6",
        "techTransfer": "NONE",
        "unitsAvailable": 3,
    }


async def test_deliveries_are_signed_minimal_and_retried_after_a_failure(
    api: httpx.AsyncClient, token_for: Callable[..., Awaitable[str]], db: Database
) -> None:
    receiver = Receiver(script=[500])
    with serve(receiver.app()) as base:
        curator = await token_for("demo-curator")
        maker = await token_for("demo-manufacturer-1")
        other_maker = await token_for("demo-manufacturer-2")
        partner = await token_for("demo-partner-PL")
        secrets = {}
        for token, path in ((curator, "/curator"), (maker, "/maker")):
            variables = {"input": {"url": f"{base}{path}", "events": ["product.changed"]}}
            payload = (await gql(api, token, CREATE, variables))["data"]["createWebhook"]
            assert payload["errors"] == [] and payload["secret"].startswith("whsec_")
            secrets[path] = receiver.secrets[path] = payload["secret"]

        refused = await gql(
            api,
            partner,
            CREATE,
            {"input": {"url": f"{base}/p", "events": ["product.changed", "nonsense"]}},
        )
        errors = refused["data"]["createWebhook"]["errors"]
        assert {(e["field"], e["code"]) for e in errors} == {
            ("events", "FORBIDDEN"),
            ("events", "INVALID"),
        }
        for url in ("ftp://127.0.0.1/x", "https://user:pw@example.org/x", "http://example.org/x"):
            bad = await gql(api, curator, CREATE, {"input": {"url": url, "events": []}})
            codes = {e["field"] for e in bad["data"]["createWebhook"]["errors"]}
            assert codes == {"url", "events"}, url
        listed = await gql(api, curator, "{ webhooks { url events } }")
        assert listed["data"]["webhooks"] == [
            {"url": f"{base}/curator", "events": ["product.changed"]}
        ]

        mine = await gql(api, maker, CREATE_PRODUCT, {"input": _product_input("Mule")})
        theirs = await gql(api, other_maker, CREATE_PRODUCT, {"input": _product_input("Ox")})
        mine_id = mine["data"]["createProduct"]["product"]["id"]
        theirs_id = theirs["data"]["createProduct"]["product"]["id"]

        assert await fan_out(db, never) > 0
        now = utcnow()
        async with Egress(LOOPBACK) as client:
            assert await send_due(db, client, never, now=now) == 3
            assert await send_due(db, client, never, now=now) == 0  # the failure waits
            assert await send_due(db, client, never, now=now + timedelta(seconds=11)) == 1

    arrivals = receiver.received()
    assert all(a.signature_valid for a in arrivals)
    failed = [a for a in arrivals if a.status == 500]
    assert len(failed) == 1 and arrivals[-1].delivery_id == failed[0].delivery_id
    assert len({a.delivery_id for a in arrivals}) == 3
    to_maker = [a.body for a in receiver.received("/maker")]
    assert [b["data"] for b in to_maker] == [{"type": "Product", "id": mine_id, "status": "DRAFT"}]
    assert set(to_maker[0]) == {"deliveryId", "event", "occurredAt", "data"}
    to_curator = {a.body["data"]["id"] for a in receiver.received("/curator")}
    assert to_curator == {mine_id, theirs_id}

    rows = await deliveries(db)
    assert {r.status for r in rows} == {DeliveryStatus.DELIVERED}
    retried = next(r for r in rows if str(r.id) == failed[0].delivery_id)
    assert (retried.attempts, retried.last_status_code) == (2, 200)
    owner = curator if failed[0].path == "/curator" else maker
    [hook] = (await gql(api, owner, RECENT))["data"]["webhooks"]
    recorded = {d["id"]: d for d in hook["recentDeliveries"]}
    assert {d["status"] for d in recorded.values()} == {"DELIVERED"}
    first_failed = recorded[failed[0].delivery_id]
    assert (first_failed["attempts"], first_failed["lastStatusCode"]) == (2, 200)
    async with db.read() as session:
        created = select(AuditEvent.data).where(AuditEvent.action == "webhook.created")
        audit = list(await session.scalars(created))
    assert len(audit) == 2 and not any(s in json.dumps(audit) for s in secrets.values())


async def test_sending_stops_between_rows_and_resumes_without_loss(db: Database) -> None:
    await seed_demo(db)
    receiver = Receiver()
    with serve(receiver.app()) as base:
        _, receiver.secrets["/c"] = await webhooks.create_webhook(
            db,
            await principal(db, "demo-curator"),
            f"{base}/c",
            ["product.changed"],
            allow_networks=LOOPBACK,
        )
        await touch_products(db, "demo-manufacturer-1", 4)
        await fan_out(db, never)
        async with Egress(LOOPBACK) as client:
            first = await send_due(db, client, lambda: len(receiver.received()) >= 2)
            pending = [r for r in await deliveries(db) if r.status is DeliveryStatus.PENDING]
            second = await send_due(db, client, never)
    assert (first, len(pending), second) == (2, 2, 2)
    ids = [a.delivery_id for a in receiver.received()]
    assert len(ids) == len(set(ids)) == 4
    assert {str(r.id) for r in await deliveries(db)} == set(ids)
    assert all(a.signature_valid for a in receiver.received())


async def _quote(db: Database, partner: Principal, product_id: uuid.UUID) -> uuid.UUID:
    given = QuoteInput(
        product_id=product_id,
        quantity=2,
        delivery_country=partner.country or "PL",
        end_user="Territorial defence",
        end_use="Border surveillance",
        idempotency_key=uuid.uuid4().hex,
    )
    return (await request_quote(db, partner, given)).id


async def test_only_organisations_that_may_read_the_quote_hear_of_it(db: Database) -> None:
    await seed_demo(db)
    receiver = Receiver()
    with serve(receiver.app()) as base:
        subscribers = {
            "demo-partner-PL": ["quote.changed"],
            "demo-partner-DE": ["quote.changed"],
            "demo-manufacturer-1": ["quote.changed"],
            "demo-manufacturer-2": ["quote.changed"],
            "demo-licensing": ["quote.changed", "licensing_case.changed"],
        }
        for slug, events in subscribers.items():
            _, receiver.secrets[f"/{slug}"] = await webhooks.create_webhook(
                db, await principal(db, slug), f"{base}/{slug}", events, allow_networks=LOOPBACK
            )
        poland = await principal(db, "demo-partner-PL")
        maker = await principal(db, "demo-manufacturer-1")
        async with db.read() as session:
            product_id = await session.scalar(
                select(Product.id)
                .where(Product.manufacturer_id == maker.org_id, visible_products(poland))
                .limit(1)
            )
        assert product_id is not None
        quote_id = await _quote(db, poland, product_id)
        await fan_out(db, never)
        await fan_out(db, never)  # idempotent: the consumer's cursor and one row per endpoint

        rows = await deliveries(db)
        assert sorted(r.event for r in rows) == [
            "licensing_case.changed",
            "quote.changed",
            "quote.changed",
            "quote.changed",
        ]
        curator = await principal(db, "demo-curator")
        assert poland.org_id is not None
        await set_partner_vetting(db, curator, poland.org_id, VettingStatus.SUSPENDED, "review")
        async with Egress(LOOPBACK) as client:
            assert await send_due(db, client, never) == 3

    heard = sorted((a.path.strip("/"), a.event) for a in receiver.received())
    assert heard == [
        ("demo-licensing", "licensing_case.changed"),
        ("demo-licensing", "quote.changed"),
        ("demo-manufacturer-1", "quote.changed"),
    ]
    quote_data = [a.body["data"] for a in receiver.received() if a.event == "quote.changed"]
    assert {d["type"] for d in quote_data} == {"QuoteRequest"}
    assert str(quote_id) not in json.dumps([a.body for a in receiver.received()])  # global IDs
    case = next(a.body["data"] for a in receiver.received() if a.event != "quote.changed")
    assert case["type"] == "LicensingCase" and set(case) == {"type", "id", "status", "queue"}
    statuses = sorted(r.status for r in await deliveries(db))
    cancelled, delivered = DeliveryStatus.CANCELLED, DeliveryStatus.DELIVERED
    assert statuses == [cancelled, delivered, delivered, delivered]


def worker_env(database_url: str, directory: Path) -> dict[str, str]:
    return {
        **os.environ,
        "DATABASE_URL": database_url,
        "WEBHOOK_ALLOW_NETWORKS": '["127.0.0.0/8"]',
        "WORKER_STATUS_FILE": str(directory / "worker-status.json"),
    }


def start_worker(
    database_url: str, directory: Path, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`market worker` as a real process, its output appended to `directory/worker.log`."""
    with (directory / "worker.log").open("ab") as log:
        return subprocess.Popen(
            [sys.executable, "-m", "api.cli", "worker", "--idle", "0.2"],
            env={**worker_env(database_url, directory), **(env or {})},
            cwd=ROOT,
            stdout=log,
            stderr=subprocess.STDOUT,
        )


async def _wait_for(condition: Callable[[], Awaitable[bool]], seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while not await condition():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.1)


async def _stop(process: subprocess.Popen[bytes]) -> int:
    process.send_signal(signal.SIGTERM)
    return await asyncio.to_thread(process.wait, 30)


async def test_worker_stops_on_sigterm_and_loses_nothing_across_a_restart(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    await seed_demo(db)
    receiver = Receiver(delay_seconds=0.2)
    with serve(receiver.app()) as base:
        _, receiver.secrets["/c"] = await webhooks.create_webhook(
            db,
            await principal(db, "demo-curator"),
            f"{base}/c",
            ["product.changed"],
            allow_networks=LOOPBACK,
        )
        await touch_products(db, "demo-manufacturer-1", 3)
        await touch_products(db, "demo-manufacturer-2", 3)

        async def arrived() -> bool:
            return len(receiver.received()) >= 1

        async def all_delivered() -> bool:
            rows = await deliveries(db)
            return len(rows) == 6 and all(r.status is DeliveryStatus.DELIVERED for r in rows)

        worker = start_worker(database_url, tmp_path)
        try:
            await _wait_for(arrived)
        finally:
            assert await _stop(worker) == 0, (tmp_path / "worker.log").read_text()
        restarted = start_worker(database_url, tmp_path)
        try:
            await _wait_for(all_delivered)
        finally:
            assert await _stop(restarted) == 0, (tmp_path / "worker.log").read_text()

    ids = [a.delivery_id for a in receiver.received()]
    assert set(ids) == {str(r.id) for r in await deliveries(db)}
    assert all(a.signature_valid for a in receiver.received())


DELETE = """mutation($id: ID!) { deleteWebhook(input: { webhookId: $id }) {
  deletedWebhookId errors { code } } }"""


async def test_deleting_a_webhook_cancels_its_pending_deliveries(
    api: httpx.AsyncClient, token_for: Callable[..., Awaitable[str]], db: Database
) -> None:
    curator = await token_for("demo-curator")
    maker = await token_for("demo-manufacturer-1")
    variables = {"input": {"url": "http://127.0.0.1:9/hook", "events": ["product.changed"]}}
    created = (await gql(api, curator, CREATE, variables))["data"]["createWebhook"]
    webhook_id = created["webhook"]["id"]
    await touch_products(db, "demo-manufacturer-1", 2)
    await fan_out(db, never)
    assert [r.status for r in await deliveries(db)] == [DeliveryStatus.PENDING] * 2
    [hook] = (await gql(api, curator, RECENT))["data"]["webhooks"]
    pending = hook["recentDeliveries"]
    assert [(d["status"], d["attempts"]) for d in pending] == [("PENDING", 0)] * 2
    assert all(d["nextAttemptAt"] and d["deliveredAt"] is None for d in pending)

    foreign = await gql(api, maker, DELETE, {"id": webhook_id})
    assert foreign["data"]["deleteWebhook"]["errors"] == [{"code": "NOT_FOUND"}]
    deleted = await gql(api, curator, DELETE, {"id": webhook_id})
    assert deleted["data"]["deleteWebhook"] == {"deletedWebhookId": webhook_id, "errors": []}
    assert [r.status for r in await deliveries(db)] == [DeliveryStatus.CANCELLED] * 2
    assert (await gql(api, curator, "{ webhooks { id } }"))["data"]["webhooks"] == []
    async with Egress(LOOPBACK) as client:
        assert await send_due(db, client, never) == 0
