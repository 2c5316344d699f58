"""Riding out a transient fault in a background step (the database or the search index away).

A step that fails with a transient error is retried with capped exponential backoff and
jitter (so that several workers do not come back in step), and the fault is logged once when
it starts and once when it ends, not once per retry. The state is what the worker's health
probe reports.
"""

import logging
import random
import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import exc as sa_exc

from catalog.core.db import is_unavailable

log = logging.getLogger("market.worker")


def is_transient(error: BaseException) -> bool:
    """The database cannot be used right now (connection refused or lost, server restarting,
    operational errors such as a lock or statement timeout); retrying later may succeed."""
    if is_unavailable(error):
        return True
    transient = (sa_exc.OperationalError, sa_exc.InterfaceError, sa_exc.DisconnectionError)
    return isinstance(error, transient)


def describe(error: BaseException) -> str:
    return f"{type(error).__name__}: {str(error).splitlines()[0][:300] if str(error) else ''}"


class Outage:
    """One step's view of a fault it is waiting out."""

    def __init__(
        self,
        name: str,
        *,
        base_seconds: float = 0.5,
        cap_seconds: float = 5.0,
        logger: logging.Logger = log,
        jitter: Callable[[], float] = random.random,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.name = name
        self.base_seconds = base_seconds
        self.cap_seconds = cap_seconds
        self.logger = logger
        self.jitter = jitter
        self.clock = clock
        self.failures = 0
        self.started: float | None = None  # monotonic
        self.started_at: float | None = None  # wall clock, for the health report
        self.last_error: str | None = None

    @property
    def ok(self) -> bool:
        return self.started is None

    def failed(self, error: BaseException) -> float:
        """Record a failure; returns how long to wait before the next try."""
        self.failures += 1
        self.last_error = describe(error)
        if self.started is None:
            self.started, self.started_at = self.clock(), time.time()
            self.logger.warning(
                "%s: unavailable, retrying with backoff until it recovers (%s)",
                self.name,
                self.last_error,
            )
        delay: float = min(self.cap_seconds, self.base_seconds * 2 ** min(self.failures - 1, 30))
        return delay * (0.5 + 0.5 * self.jitter())  # "equal jitter": between half and all

    def recovered(self) -> None:
        if self.started is None:
            return
        self.logger.info(
            "%s: recovered after %.1fs and %d failed tries",
            self.name,
            self.clock() - self.started,
            self.failures,
        )
        self.failures, self.started, self.started_at, self.last_error = 0, None, None, None

    def snapshot(self) -> dict[str, Any]:
        return {
            "ok": self.ok,
            "since": self.started_at,
            "failures": self.failures,
            "lastError": self.last_error,
        }
