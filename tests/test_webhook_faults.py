"""One row never stops the worker: a delivery that fails in any way (a URL stored before the
egress rules, a broken secret) is recorded on its row with a coarse error and retried with
backoff until it is given up, while the deliveries around it go out; an event whose fan-out
fails becomes a FAILED delivery instead of holding back the others. Transient database errors
are the one thing that leaves a step, and the worker waits them out (logged once)."""

import asyncio
import logging
import os
import time
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import exc as sa_exc
from sqlalchemy import select

from api.worker import Step, Worker, health, status_of, write_status
from catalog.core import outbox
from catalog.core.db import Database
from catalog.core.outage import Outage
from catalog.demo.seed import seed_demo
from catalog.models import DeliveryStatus, Organisation, WebhookEndpoint
from catalog.models.base import utcnow
from catalog.webhooks import deliveries as deliveries_module
from catalog.webhooks import endpoints as webhooks
from catalog.webhooks import fan_out as fan_out_module
from notify.egress import Egress
from notify.webhooks import fan_out, send_due
from tests.live import serve
from tests.test_webhooks import (
    LOOPBACK,
    _stop,
    _wait_for,
    deliveries,
    never,
    principal,
    start_worker,
    touch_products,
)
from tests.webhook_receiver import Receiver


async def _raw_endpoint(db: Database, url: str, secret: str) -> WebhookEndpoint:
    """An endpoint written past the checks, as rows from before them may be."""
    async with db.write_session() as session, session.begin():
        org_id = await session.scalar(
            select(Organisation.id).where(Organisation.slug == "demo-curator")
        )
        assert org_id is not None
        row = WebhookEndpoint(
            org_id=org_id, url=url, events=["product.changed"], secret=secret, created_by="t"
        )
        session.add(row)
    return row


async def test_the_worker_process_survives_poison_rows_between_good_ones(
    db: Database, database_url: str, tmp_path: Path
) -> None:
    await seed_demo(db)
    receiver = Receiver()
    with serve(receiver.app()) as base:
        good, receiver.secrets["/c"] = await webhooks.create_webhook(
            db,
            await principal(db, "demo-curator"),
            f"{base}/c",
            ["product.changed"],
            allow_networks=LOOPBACK,
        )
        bad_url = await _raw_endpoint(db, "https://0177.0.0.1/", webhooks.new_secret())
        bad_secret = await _raw_endpoint(db, f"{base}/c", "not-a-secret")
        await touch_products(db, "demo-manufacturer-1", 3)

        async def poisoned_and_delivered() -> bool:
            rows = await deliveries(db)
            return len(rows) == 9 and all(r.attempts >= 1 for r in rows)

        worker = start_worker(database_url, tmp_path)
        try:
            await _wait_for(poisoned_and_delivered)
            alive = worker.poll() is None
        finally:
            code = await _stop(worker)
    log = (tmp_path / "worker.log").read_text()
    assert alive and code == 0, log
    rows = await deliveries(db)
    by_endpoint = {e: [r for r in rows if r.endpoint_id == e] for e in (good.id, bad_url.id)}
    assert {r.status for r in by_endpoint[good.id]} == {DeliveryStatus.DELIVERED}
    for row in [r for r in rows if r.endpoint_id != good.id]:
        assert row.status is DeliveryStatus.PENDING and row.attempts == 1
        assert row.next_attempt_at > row.last_attempt_at  # type: ignore[operator]
        expected = "connection failed" if row.endpoint_id == bad_url.id else "internal error"
        assert row.last_error == expected
    assert bad_secret.id in {r.endpoint_id for r in rows}
    assert len(receiver.received()) == 3 and all(a.signature_valid for a in receiver.received())
    assert "0177.0.0.1" not in "".join(r.last_error or "" for r in rows)


async def test_a_failing_delivery_backs_off_and_is_given_up(db: Database) -> None:
    await seed_demo(db)
    bad = await _raw_endpoint(db, "https://2130706433/", webhooks.new_secret())
    await touch_products(db, "demo-manufacturer-1", 1)
    await fan_out(db, never)
    now = utcnow()
    async with Egress() as egress:
        for attempt in range(1, deliveries_module.MAX_ATTEMPTS + 1):
            assert await send_due(db, egress, never, now=now) == 1
            [row] = await deliveries(db)
            assert (row.attempts, row.last_error) == (attempt, "connection failed")
            if attempt < deliveries_module.MAX_ATTEMPTS:
                delay = deliveries_module.retry_delay_seconds(attempt)
                assert row.next_attempt_at == now + timedelta(seconds=delay)
                assert await send_due(db, egress, never, now=now) == 0  # not due yet
                now += timedelta(seconds=delay)
        assert row.status is DeliveryStatus.FAILED and row.endpoint_id == bad.id
        assert await send_due(db, egress, never, now=now + timedelta(days=1)) == 0


async def test_an_event_whose_fan_out_fails_does_not_hold_back_the_others(
    db: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    await seed_demo(db)
    await webhooks.create_webhook(
        db, await principal(db, "demo-curator"), "https://hooks.example.com/c", ["product.changed"]
    )
    products = await touch_products(db, "demo-manufacturer-1", 3)
    build = fan_out_module.DATA_BUILDERS["product.changed"]
    failure: list[BaseException] = [RuntimeError("a bug for one product")]

    async def poisoned(session, org, entity_id):  # type: ignore[no-untyped-def]
        if entity_id == products[1]:
            raise failure[0]
        return await build(session, org, entity_id)

    monkeypatch.setitem(fan_out_module.DATA_BUILDERS, "product.changed", poisoned)
    failure[0] = sa_exc.OperationalError("SELECT 1", {}, ConnectionRefusedError())
    before = await outbox.cursor_position(db, fan_out_module.CONSUMER)
    with pytest.raises(sa_exc.OperationalError):  # the database, not the row: left to retry
        await fan_out(db, never)
    assert await deliveries(db) == []
    assert await outbox.cursor_position(db, fan_out_module.CONSUMER) == before

    failure[0] = RuntimeError("a bug for one product")
    await fan_out(db, never)
    rows = await deliveries(db)
    statuses = sorted((r.status, r.last_error) for r in rows)
    assert statuses == [
        (DeliveryStatus.FAILED, "internal error"),
        (DeliveryStatus.PENDING, None),
        (DeliveryStatus.PENDING, None),
    ]
    assert await outbox.cursor_position(db, fan_out_module.CONSUMER) == await outbox.last_event_id(
        db
    )


# ---------------------------------------------------------------- the worker loop


def _transient() -> sa_exc.OperationalError:
    return sa_exc.OperationalError("SELECT 1", {}, ConnectionRefusedError("refused"))


async def test_the_worker_waits_out_a_transient_fault_and_logs_it_once(
    caplog: pytest.LogCaptureFixture,
) -> None:
    failures = iter([_transient()] * 4)
    done: list[int] = []

    async def flaky(should_stop: object) -> int:
        error = next(failures, None)
        if error is not None:
            raise error
        done.append(1)
        if len(done) == 3:
            worker.request_stop()
        return 1

    step = Step("webhook sending", flaky)
    step.outage = Outage(step.name, base_seconds=0.01, cap_seconds=0.04)
    worker = Worker([step], idle_seconds=0.01)
    delays = [step.outage.failed(_transient()) for _ in range(6)]
    step.outage.recovered()  # (a dry run of the backoff figures, then a fresh start)
    assert all(0.005 <= d <= 0.04 for d in delays) and max(delays) > delays[0]

    caplog.set_level(logging.INFO, logger="market.worker")
    caplog.clear()
    assert await asyncio.wait_for(worker.run(), 30) == 3
    messages = [r.getMessage() for r in caplog.records]
    assert len([m for m in messages if "unavailable, retrying" in m]) == 1, messages
    assert len([m for m in messages if "recovered after" in m]) == 1, messages


async def test_a_programming_error_ends_the_worker() -> None:
    async def broken(should_stop: object) -> int:
        raise KeyError("a bug")

    with pytest.raises(KeyError):
        await Worker([Step("webhook fan-out", broken)], idle_seconds=0.01).run()


def test_health_reports_outages_stale_and_missing_status(tmp_path: Path) -> None:
    path = tmp_path / "status.json"
    assert health(path)[0] is False
    outage = Outage("webhook fan-out")
    write_status(path, status_of([outage]))
    assert health(path) == (True, "ok")
    outage.failed(_transient())
    write_status(path, status_of([outage]))
    ok, report = health(path)
    assert not ok and "webhook fan-out: failing since" in report and "OperationalError" in report
    outage.recovered()
    write_status(path, status_of([outage]))
    assert health(path, now=time.time() + 60)[0] is False  # nobody wrote it for a minute
    assert status_of([outage])["pid"] == os.getpid()
