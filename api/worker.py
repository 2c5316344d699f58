"""`market worker`: links audit events left pending (a process that crashed between a write's
commit and its appender run, catalog/core/appender.py), drains the outbox into webhook
deliveries and sends them, and every
`HOLD_SWEEP_SECONDS` holds the licensing cases whose release expired since (releases expire
with time, not with a write), until SIGTERM.

SIGTERM and SIGINT only set a flag; every step checks it between rows, so the worker stops
after the delivery in hand and never abandons one half-recorded.

A lost database is a fault to wait out, not a reason to exit: a step that fails with a
transient error (`catalog/core/outage.py`) is retried with capped, jittered backoff, logged
once when the outage starts and once when it ends, and carries on from its outbox cursor.
Only a programming error (any other exception) or a stop signal ends the process. The worker
writes its state to `WORKER_STATUS_FILE` every second; `market worker --health` reads it.
"""

import asyncio
import contextlib
import json
import logging
import os
import signal
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from catalog.core.appender import LEFTOVER_AFTER, link_leftovers
from catalog.core.db import Database
from catalog.core.outage import Outage, is_transient
from catalog.licensing import holds
from catalog.webhooks.egress import Network
from notify import webhooks
from notify.egress import Egress

log = logging.getLogger("market.worker")
ShouldStop = Callable[[], bool]
Companion = Callable[[asyncio.Event, Outage], Awaitable[int]]
HEARTBEAT_SECONDS = 1.0
STALE_AFTER_SECONDS = 30.0


@dataclass
class Step:
    name: str
    run: Callable[[ShouldStop], Awaitable[int]]
    outage: Outage = field(init=False)

    def __post_init__(self) -> None:
        self.outage = Outage(self.name)


class Worker:
    def __init__(self, steps: list[Step], *, idle_seconds: float = 1.0) -> None:
        self.steps = steps
        self.idle_seconds = idle_seconds
        self._stop = asyncio.Event()

    @property
    def stop_event(self) -> asyncio.Event:
        return self._stop

    @property
    def stopping(self) -> bool:
        return self._stop.is_set()

    def request_stop(self) -> None:
        self._stop.set()

    async def run_once(self) -> tuple[int, float]:
        """Each step once: the rows handled, and how long to back off (0: no step failed)."""
        done, backoff = 0, 0.0
        for step in self.steps:
            if self.stopping:
                break
            try:
                done += await step.run(lambda: self.stopping)
            except Exception as error:
                if not is_transient(error):
                    raise  # a programming error: better a restart and a traceback than a loop
                backoff = max(backoff, step.outage.failed(error))
            else:
                step.outage.recovered()
        return done, backoff

    async def run(self) -> int:
        total = 0
        while not self.stopping:
            done, backoff = await self.run_once()
            total += done
            wait = backoff or (self.idle_seconds if done == 0 else 0)
            if wait:
                # Idle (or back off) until the next poll, waking at once on a stop request.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), wait)
        return total

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        log.info("stop requested", extra={"signal": sig.name})
        self.request_stop()


def audit_step(db: Database, older_than: timedelta = LEFTOVER_AFTER) -> Step:
    """Link what writers left pending: a write links its own rows before answering, so a row
    pending for longer was left by a crashed process (or a failed appender run)."""

    async def link(_should_stop: ShouldStop) -> int:
        linked = await link_leftovers(db, older_than)
        if linked:
            log.info("linked audit events a writer left pending", extra={"events": linked})
        return linked

    return Step("audit chain", link)


def webhook_steps(db: Database, egress: Egress) -> list[Step]:
    async def fan_out(should_stop: ShouldStop) -> int:
        return await webhooks.fan_out(db, should_stop)

    async def send(should_stop: ShouldStop) -> int:
        return await webhooks.send_due(db, egress, should_stop)

    return [Step("webhook fan-out", fan_out), Step("webhook sending", send)]


def hold_sweep_step(
    db: Database, every_seconds: float, clock: Callable[[], float] = time.monotonic
) -> Step:
    """Reconcile quotes whose release expired, at most once every `every_seconds` (a sweep
    that failed is retried with the worker's backoff, not skipped until the next interval)."""
    next_run = clock()

    async def sweep(_should_stop: ShouldStop) -> int:
        nonlocal next_run
        if clock() < next_run:
            return 0
        changed = await holds.sweep(db)
        next_run = clock() + every_seconds
        if changed:
            log.info("held cases whose release expired", extra={"cases": changed})
        return changed

    return Step("expiry sweep", sweep)


# ---------------------------------------------------------------- health


def status_of(outages: Sequence[Outage]) -> dict[str, Any]:
    return {
        "pid": os.getpid(),
        "updatedAt": time.time(),
        "healthy": all(o.ok for o in outages),
        "steps": {o.name: o.snapshot() for o in outages},
    }


def write_status(path: Path, status: dict[str, Any]) -> None:
    """Atomically: a reader never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}")
    partial.write_text(json.dumps(status))
    partial.replace(path)


def remove_status(path: Path) -> None:
    path.unlink(missing_ok=True)


async def heartbeat(path: Path, outages: Sequence[Outage], stop: asyncio.Event) -> int:
    try:
        while not stop.is_set():
            try:
                write_status(path, status_of(outages))
            except OSError as error:  # a full disk must not stop deliveries
                log.warning("cannot write the worker status to %s: %s", path, error)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stop.wait(), HEARTBEAT_SECONDS)
    finally:
        remove_status(path)  # stopped or crashed: no stale "healthy" left behind
    return 0


def health(path: Path, now: float | None = None) -> tuple[bool, str]:
    """For `market worker --health`: healthy when the status is fresh and no step is failing."""
    try:
        status = json.loads(path.read_text())
    except (OSError, ValueError):
        return False, f"no worker status at {path} (not running, or not started yet)"
    age = (time.time() if now is None else now) - float(status.get("updatedAt", 0))
    if age > STALE_AFTER_SECONDS:
        return False, f"worker status is {age:.0f}s old (worker stuck or gone)"
    failing = {
        name: step for name, step in status.get("steps", {}).items() if not step.get("ok", False)
    }
    if failing:
        parts = [
            f"{name}: failing since {time.strftime('%H:%M:%S', time.gmtime(s['since']))} UTC, "
            f"{s['failures']} tries ({s['lastError']})"
            for name, s in failing.items()
        ]
        return False, "; ".join(parts)
    return True, "ok"


async def run_worker(
    db: Database,
    idle_seconds: float,
    *,
    allow_networks: Sequence[Network] = (),
    status_file: Path | None = None,
    also: Sequence[tuple[str, Companion]] = (),
    hold_sweep_seconds: float = 60.0,
) -> int:
    """The audit step, the webhook steps and the expiry sweep until a stop signal, alongside
    `also` (named companions such as the search indexer, each with its own outage state),
    which share the same stop event. Returns the rows handled."""
    async with Egress(allow_networks) as egress:
        steps = [
            audit_step(db),
            *webhook_steps(db, egress),
            hold_sweep_step(db, hold_sweep_seconds),
        ]
        worker = Worker(steps, idle_seconds=idle_seconds)
        worker.install_signal_handlers()
        companions = [(Outage(name), task) for name, task in also]
        outages = [step.outage for step in worker.steps] + [o for o, _ in companions]
        tasks = [worker.run(), *(task(worker.stop_event, o) for o, task in companions)]
        if status_file is not None:
            tasks.append(heartbeat(status_file, outages, worker.stop_event))
        log.info("worker started")
        try:
            done = await asyncio.gather(*tasks)
        finally:
            worker.request_stop()
        log.info("worker stopped")
    return sum(done)
