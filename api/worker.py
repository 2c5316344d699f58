"""`market worker`: drains the outbox into webhook deliveries and sends them, and every
`HOLD_SWEEP_SECONDS` holds the licensing cases whose release expired since (releases expire
with time, not with a write), until SIGTERM.

SIGTERM and SIGINT only set a flag; every step checks it between rows, so the worker stops
after the delivery in hand and never abandons one half-recorded."""

import asyncio
import contextlib
import logging
import signal
import time
from collections.abc import Awaitable, Callable, Sequence

import httpx

from catalog.core.db import Database
from catalog.licensing import holds
from notify import webhooks

log = logging.getLogger("market.worker")
Step = Callable[[Callable[[], bool]], Awaitable[int]]
Companion = Callable[[asyncio.Event], Awaitable[int]]


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

    async def run_once(self) -> int:
        done = 0
        for step in self.steps:
            if self.stopping:
                break
            done += await step(lambda: self.stopping)
        return done

    async def run(self) -> int:
        total = 0
        while not self.stopping:
            done = await self.run_once()
            total += done
            if done == 0:
                # Idle until the next poll, waking at once on a stop request.
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._stop.wait(), self.idle_seconds)
        return total

    def install_signal_handlers(self) -> None:
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, self._on_signal, sig)

    def _on_signal(self, sig: signal.Signals) -> None:
        log.info("stop requested", extra={"signal": sig.name})
        self.request_stop()


def webhook_steps(db: Database, client: httpx.AsyncClient) -> list[Step]:
    async def fan_out(should_stop: Callable[[], bool]) -> int:
        return await webhooks.fan_out(db, should_stop)

    async def send(should_stop: Callable[[], bool]) -> int:
        return await webhooks.send_due(db, client, should_stop)

    return [fan_out, send]


def hold_sweep_step(
    db: Database, every_seconds: float, clock: Callable[[], float] = time.monotonic
) -> Step:
    """Reconcile quotes whose release expired, at most once every `every_seconds`."""
    next_run = clock()

    async def sweep(_should_stop: Callable[[], bool]) -> int:
        nonlocal next_run
        if clock() < next_run:
            return 0
        next_run = clock() + every_seconds
        changed = await holds.sweep(db)
        if changed:
            log.info("held cases whose release expired", extra={"cases": changed})
        return changed

    return sweep


async def run_worker(
    db: Database,
    idle_seconds: float,
    *,
    also: Sequence[Companion] = (),
    hold_sweep_seconds: float = 60.0,
) -> int:
    """The webhook steps and the expiry sweep until a stop signal, alongside `also` (e.g. the
    search indexer), which share the same stop event. Returns the rows handled."""
    async with webhooks.http_client() as client:
        steps = [*webhook_steps(db, client), hold_sweep_step(db, hold_sweep_seconds)]
        worker = Worker(steps, idle_seconds=idle_seconds)
        worker.install_signal_handlers()
        log.info("worker started")
        done = await asyncio.gather(worker.run(), *(task(worker.stop_event) for task in also))
        log.info("worker stopped")
    return sum(done)
