"""Standard Webhooks: every delivery verifies with the `standardwebhooks` library, the
`webhook-id` is the delivery id on every retry, and a tampered body, an old timestamp or a
rotated-out secret does not verify. Secrets rotate with a grace period during which both
sign."""

import asyncio
import base64
import importlib.util
import json
import secrets
import uuid
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
import standardwebhooks.webhooks as library
from sqlalchemy import select
from sqlalchemy.ext.asyncio import create_async_engine
from sqlmodel.sql.sqltypes import UTCDateTime
from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError

from api.migrate import migrate
from api.settings import Settings
from catalog.core.db import Database, normalise_url
from catalog.models import AuditEvent
from catalog.models.base import utcnow
from catalog.webhooks.egress import parse_networks
from notify.egress import Egress
from notify.signing import signature, signed_headers
from notify.webhooks import fan_out, send_due
from tests.databases import PostgresTemplates, SqliteTemplates
from tests.graphql import gql
from tests.live import serve
from tests.test_migrations import _empty_database
from tests.test_webhooks import touch_products
from tests.webhook_receiver import Arrival, Receiver

LOOPBACK = parse_networks(["127.0.0.0/8"])
CREATE = """mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  webhook { id } secret errors { field code } } }"""
ROTATE = """mutation($input: RotateWebhookSecretInput!) { rotateWebhookSecret(input: $input) {
  webhook { id previousSecretExpiresAt } secret errors { field code } } }"""


@pytest.fixture
def settings(database_url: str) -> Settings:
    return Settings(
        database_url=database_url,
        market_env="test",
        rate_limit_capacity=10**9,
        webhook_allow_networks=["127.0.0.0/8"],
    )


def never() -> bool:
    return False


def verify(secret: str, arrival: Arrival, body: bytes | None = None) -> bool:
    try:
        Webhook(secret).verify(arrival.raw if body is None else body, arrival.headers)
    except WebhookVerificationError:
        return False
    return True


def test_our_signatures_are_the_libraries() -> None:
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(32)).decode()
    other = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()
    body = json.dumps({"event": "product.changed", "data": {"id": "UHJvZHVjdDox"}}).encode()
    moment = datetime(2026, 11, 29, 12, 0, tzinfo=UTC)
    expected = Webhook(secret).sign("msg_1", moment, body.decode())
    assert signature(secret, "msg_1", int(moment.timestamp()), body) == expected

    now = int(datetime.now(UTC).timestamp())
    headers = signed_headers([secret, other], "msg_2", now, body)
    assert headers["webhook-signature"].count("v1,") == 2
    for each in (secret, other):
        assert Webhook(each).verify(body, headers) == json.loads(body)


async def _deliver(db: Database, egress: Egress, *, now: datetime | None = None) -> int:
    await fan_out(db, never)
    return await send_due(db, egress, never, now=now)


async def test_deliveries_verify_and_rotated_out_secrets_do_not(
    api: httpx.AsyncClient,
    token_for: Callable[..., Awaitable[str]],
    db: Database,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    receiver = Receiver(script=[503])
    curator = await token_for("demo-curator")
    with serve(receiver.app()) as base:
        variables = {"input": {"url": f"{base}/c", "events": ["product.changed"]}}
        created = (await gql(api, curator, CREATE, variables))["data"]["createWebhook"]
        first = receiver.secrets["/c"] = created["secret"]
        webhook_id = created["webhook"]["id"]
        assert first.startswith("whsec_") and len(base64.b64decode(first[6:])) == 32

        await touch_products(db, "demo-manufacturer-1", 1)
        async with Egress(LOOPBACK) as egress:
            assert await _deliver(db, egress) == 1  # answered 503
            assert await _deliver(db, egress, now=utcnow() + timedelta(seconds=11)) == 1
            failed, retried = receiver.received()
            assert failed.delivery_id == retried.delivery_id  # webhook-id: stable

            rotate = {"input": {"webhookId": webhook_id}}
            rotated = (await gql(api, curator, ROTATE, rotate))["data"]["rotateWebhookSecret"]
            second = rotated["secret"]
            assert rotated["errors"] == [] and second not in (None, first)
            assert rotated["webhook"]["previousSecretExpiresAt"]
            receiver.secrets["/c"] = second
            await touch_products(db, "demo-manufacturer-2", 1)
            assert await _deliver(db, egress) == 1
            during_grace = receiver.received()[-1]

            rotate_now = {"input": {"webhookId": webhook_id, "gracePeriodSeconds": 0}}
            third = (await gql(api, curator, ROTATE, rotate_now))["data"]["rotateWebhookSecret"]
            receiver.secrets["/c"] = third["secret"]
            await touch_products(db, "demo-manufacturer-3", 1)
            assert await _deliver(db, egress) == 1
            after = receiver.received()[-1]

    assert all(a.signature_valid for a in receiver.received())
    assert failed.headers["webhook-id"] == failed.body["deliveryId"]
    assert verify(first, retried)
    assert during_grace.headers["webhook-signature"].count("v1,") == 2
    assert verify(first, during_grace) and verify(second, during_grace)
    assert after.headers["webhook-signature"].count("v1,") == 1
    assert verify(third["secret"], after)
    assert not verify(first, after) and not verify(second, after)  # rotated out

    tampered = after.raw.replace(b"product.changed", b"product.deleted")
    assert tampered != after.raw and not verify(third["secret"], after, tampered)

    class Later(datetime):
        @classmethod
        def now(cls, tz: object = None) -> "Later":  # type: ignore[override]
            return cls.fromtimestamp(datetime.now(UTC).timestamp() + 600, UTC)

    monkeypatch.setattr(library, "datetime", Later)  # the same delivery, replayed later
    assert not verify(third["secret"], after)

    async with db.read() as session:
        actions = list(await session.scalars(select(AuditEvent.action)))
        data = json.dumps(list(await session.scalars(select(AuditEvent.data))))
    assert actions.count("webhook.secret_rotated") == 2
    assert not any(s in data for s in (first, second, third["secret"]))


async def test_the_previous_secret_stops_signing_when_its_grace_period_ends(
    api: httpx.AsyncClient, token_for: Callable[..., Awaitable[str]], db: Database
) -> None:
    receiver = Receiver()
    curator = await token_for("demo-curator")
    maker = await token_for("demo-manufacturer-1")
    with serve(receiver.app()) as base:
        variables = {"input": {"url": f"{base}/c", "events": ["product.changed"]}}
        created = (await gql(api, curator, CREATE, variables))["data"]["createWebhook"]
        rotate = {"input": {"webhookId": created["webhook"]["id"], "gracePeriodSeconds": 60}}
        rotated = (await gql(api, curator, ROTATE, rotate))["data"]["rotateWebhookSecret"]
        receiver.secrets["/c"] = rotated["secret"]
        await touch_products(db, "demo-manufacturer-1", 1)
        async with Egress(LOOPBACK) as egress:
            assert await _deliver(db, egress, now=utcnow() + timedelta(seconds=61)) == 1
        [arrival] = receiver.received()
    assert verify(rotated["secret"], arrival) and not verify(created["secret"], arrival)

    foreign = await gql(api, maker, ROTATE, rotate)
    assert foreign["data"]["rotateWebhookSecret"]["errors"] == [
        {"field": "webhookId", "code": "NOT_FOUND"}
    ]
    too_long = {"input": {**rotate["input"], "gracePeriodSeconds": 8 * 24 * 3600}}
    refused = (await gql(api, curator, ROTATE, too_long))["data"]["rotateWebhookSecret"]
    assert refused["secret"] is None
    assert refused["errors"] == [{"field": "gracePeriodSeconds", "code": "INVALID"}]


def test_the_migration_rewrites_old_secrets_with_the_same_key() -> None:
    path = Path(__file__).resolve().parent.parent / "migrations/versions/0008_webhook_delivery.py"
    spec = importlib.util.spec_from_file_location("migration_0008", path)
    assert spec is not None and spec.loader is not None
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    for _ in range(50):
        old = f"whsec_{secrets.token_urlsafe(32)}"  # how secrets were made before
        new = migration._standard(old)
        assert new is not None and new.startswith("whsec_")
        key = base64.urlsafe_b64decode(old[6:] + "=" * (-len(old[6:]) % 4))
        assert base64.b64decode(new[6:], validate=True) == key
        assert migration._standard(new) is None  # already standard: left alone
        body = b'{"event":"product.changed"}'
        headers = signed_headers([new], "msg_3", int(datetime.now(UTC).timestamp()), body)
        assert Webhook(new).verify(body, headers) == json.loads(body)


async def test_migration_0008_upgrades_existing_endpoints_and_deliveries(
    backend: str, sqlite_templates: SqliteTemplates, postgres_templates: PostgresTemplates | None
) -> None:
    """Rows written under 0007: secrets keep their key, detailed errors become coarse."""
    url = await _empty_database(backend, sqlite_templates, postgres_templates)
    await asyncio.to_thread(migrate, url, "0007")
    old = f"whsec_{secrets.token_urlsafe(32)}"
    org, hook, now = uuid.uuid4(), uuid.uuid4(), utcnow()
    errors = {
        "ConnectError: [Errno 111] Connection refused": "connection failed",
        "ReadTimeout: timed out": "timeout",
        "HTTP 503": "HTTP 5xx",
        "HTTP 5xx": "HTTP 5xx",
    }
    organisation = sa.table(
        "organisation",
        *(sa.column(c) for c in ("slug", "name", "kind", "country", "vetting")),
        sa.column("id", sa.Uuid()),
        sa.column("created_at", UTCDateTime()),
        sa.column("updated_at", UTCDateTime()),
    )
    endpoint = sa.table(
        "webhook_endpoint",
        *(sa.column(c) for c in ("url", "events", "secret", "created_by")),
        sa.column("id", sa.Uuid()),
        sa.column("org_id", sa.Uuid()),
        sa.column("created_at", UTCDateTime()),
    )
    delivery = sa.table(
        "webhook_delivery",
        *(sa.column(c) for c in ("event_id", "event", "payload", "status", "attempts")),
        sa.column("last_error"),
        sa.column("id", sa.Uuid()),
        sa.column("endpoint_id", sa.Uuid()),
        sa.column("created_at", UTCDateTime()),
        sa.column("next_attempt_at", UTCDateTime()),
    )
    engine = create_async_engine(normalise_url(url))
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sa.insert(organisation).values(
                    id=org,
                    slug="acme",
                    name="Acme",
                    kind="CURATOR",
                    country="PL",
                    vetting="VETTED",
                    created_at=now,
                    updated_at=now,
                )
            )
            await conn.execute(
                sa.insert(endpoint).values(
                    id=hook,
                    org_id=org,
                    url="https://hooks.example.com/",
                    events="[]",
                    secret=old,
                    created_by="t",
                    created_at=now,
                )
            )
            for number, error in enumerate(errors):
                await conn.execute(
                    sa.insert(delivery).values(
                        id=uuid.uuid4(),
                        endpoint_id=hook,
                        event_id=number,
                        event="product.changed",
                        payload="{}",
                        status="PENDING",
                        attempts=1,
                        last_error=error,
                        created_at=now,
                        next_attempt_at=now,
                    )
                )
        await asyncio.to_thread(migrate, url)
        async with engine.connect() as conn:
            secret = (await conn.execute(sa.text("SELECT secret FROM webhook_endpoint"))).scalar()
            rows = await conn.execute(sa.text("SELECT event_id, last_error FROM webhook_delivery"))
            coarse = dict(rows.all())
    finally:
        await engine.dispose()
    key = base64.urlsafe_b64decode(old[6:] + "=" * (-len(old[6:]) % 4))
    assert secret == "whsec_" + base64.b64encode(key).decode()
    assert [coarse[n] for n in range(len(errors))] == list(errors.values())
    if backend == "postgres":
        assert postgres_templates is not None
        await postgres_templates.drop(url.rsplit("/", 1)[1])
