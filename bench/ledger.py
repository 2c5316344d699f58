"""Holding a writing run against the database: every success wrote its rows, nothing else did.

A keyed run (bench/wrk_keyed.lua) reports which keys it sent without an answer naming them:
requests still in flight when wrk stopped (the server may well have committed them) and
requests refused before the key was echoed. The harness retries those keys once, as a client
whose connection dropped would; the idempotency key makes a retry of a committed request
answer the first result instead of writing again. After that every key sent has one final
outcome, and the rows the run wrote must equal the successes, table by table.
"""

import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from bench.loadgen import KeyedCounts
from bench.scenarios import Variant

# Mirrors wrk_keyed.lua: a non-empty `errors` list anywhere in the answer is a refusal.
ERRORS_LISTED = re.compile(r'"errors"\s*:\s*\[\s*\{')


@dataclass(frozen=True, slots=True)
class Ledger:
    run: str  # "warm-up", "1", "2", ...
    sent: int
    successes: int  # answered with success by the end, retries included
    retried: int
    refused: int  # sent and, even after a retry, not answered with success
    written: dict[str, int]  # rows the run added, per table
    agreed: bool

    def summary(self) -> str:
        rows = ", ".join(f"{name} {count}" for name, count in self.written.items())
        verdict = "agree" if self.agreed else "MISMATCH"
        return (
            f"run {self.run}: successes {self.successes}, {rows} — {verdict} "
            f"(sent {self.sent}, retried {self.retried}, refused {self.refused})"
        )


def is_success(key: str, status: int, text: str) -> bool:
    """The answer names the key, with status 200 and no errors listed."""
    return status == 200 and key in text and ERRORS_LISTED.search(text) is None


def reconcile(
    run: str,
    counts: KeyedCounts,
    retried_successes: int,
    before: dict[str, int],
    after: dict[str, int],
) -> Ledger:
    if set(before) != set(after):
        raise ValueError(f"counted different tables before ({before}) and after ({after})")
    successes = counts.successes + retried_successes
    written = {name: after[name] - before[name] for name in before}
    return Ledger(
        run=run,
        sent=counts.sent,
        successes=successes,
        retried=len(counts.pending),
        refused=counts.sent - successes,
        written=written,
        agreed=bool(written) and all(n == successes for n in written.values()),
    )


def key_prefix(label: str) -> str:
    """A fresh prefix for a run's keys: letters and digits only (wrk matches it in answers)."""
    return re.sub(r"[^A-Za-z0-9]", "", label)[:12] + uuid.uuid4().hex[:12]


def retry(base_url: str, variant: Variant, token: str, keys: tuple[str, ...]) -> int:
    """Sends each key's request once more; returns how many were answered with success."""
    succeeded = 0
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for key in keys:
            response = client.post(
                variant.path,
                content=variant.body_with_key(key),
                headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
            )
            succeeded += is_success(key, response.status_code, response.text)
    return succeeded


@dataclass
class KeyedRun:
    """One keyed wrk run of a variant with the database counted around it."""

    base_url: str
    variant: Variant
    token: str
    count: Callable[[], dict[str, int]]
    after_run: Callable[[], None] | None = None

    def begin(self) -> str:
        self.before = self.count()
        return key_prefix(self.variant.label)

    def end(self, run: str, counts: KeyedCounts | None) -> Ledger:
        if counts is None:
            raise RuntimeError(f"{self.variant.label}: wrk reported no keyed counts")
        retried = retry(self.base_url, self.variant, self.token, counts.pending)
        ledger = reconcile(run, counts, retried, self.before, self.count())
        if self.after_run is not None:
            self.after_run()
        return ledger
