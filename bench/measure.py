"""Measuring one scenario against a running server: check answers, warm up, repeat, summarise."""

import json
import statistics
import time
import uuid
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from bench.ledger import KeyedRun, Ledger
from bench.loadgen import LoadResult, run_wrk
from bench.scenarios import RAW, Scenario, ScenarioContext, Variant
from bench.server import Server


@dataclass(frozen=True, slots=True)
class RunSettings:
    runs: int
    seconds: int
    warmup_seconds: int
    connections: int


@dataclass(frozen=True, slots=True)
class Sample:
    rps: float
    p50_ms: float
    p99_ms: float
    sql_per_request: float
    peak_rss_mb: float
    # Server CPU time per completed request (bench/server.py): the steadier cost figure.
    cpu_ms: float = 0.0
    # Meilisearch's own processing time per completed request (its index queries' sum).
    index_ms: float = 0.0


@dataclass
class VariantResult:
    scenario: str
    title: str
    backend: str
    products: int
    variant: str
    is_baseline: bool
    response_bytes: int
    connections: int = 0
    samples: list[Sample] = field(default_factory=list)
    vs_baseline: dict[str, float] = field(default_factory=dict)
    # Ratios to the scenario's `raw` floor measured in the same runs (empty without one).
    vs_raw: dict[str, float] = field(default_factory=dict)
    # Writing scenarios: each run (warm-up included) held against the database.
    ledgers: list[Ledger] = field(default_factory=list)

    @property
    def writes_agreed(self) -> bool:
        return all(ledger.agreed for ledger in self.ledgers)

    def median(self, name: str) -> float:
        return statistics.median(getattr(s, name) for s in self.samples)

    @property
    def peak_rss_mb(self) -> float:
        return max(s.peak_rss_mb for s in self.samples)

    def as_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["median"] = {
            name: round(self.median(name), 3)
            for name in ("rps", "p50_ms", "p99_ms", "sql_per_request", "cpu_ms", "index_ms")
        }
        out["peak_rss_mb"] = round(self.peak_rss_mb, 1)
        if self.ledgers:
            out["writes_agreed"] = self.writes_agreed
        return out


class TokenSource:
    """Access tokens for the benchmark client, renewed well before they expire, since a whole
    benchmark outlasts a token's lifetime."""

    RENEW_AFTER_SECONDS = 120.0

    def __init__(
        self,
        base_url: str,
        client_id: str,
        client_secret: str,
        scopes: tuple[str, ...] = ("catalog:read",),
    ) -> None:
        self.base_url = base_url
        self.auth = (client_id, client_secret)
        self.scopes = scopes
        self._token: tuple[str, float] | None = None

    def fetch(self) -> str:
        if self._token and time.monotonic() - self._token[1] < self.RENEW_AFTER_SECONDS:
            return self._token[0]
        response = httpx.post(
            f"{self.base_url}/oauth/token",
            data={"grant_type": "client_credentials", "scope": " ".join(self.scopes)},
            auth=self.auth,
            timeout=30,
        )
        response.raise_for_status()
        self._token = (str(response.json()["access_token"]), time.monotonic())
        return self._token[0]


def post(server: Server, path: str, body: bytes, token: str) -> httpx.Response:
    response = httpx.post(
        f"{server.base_url}{path}",
        content=body,
        headers={"Authorization": f"Bearer {token}", "Content-Type": "application/json"},
        timeout=30,
    )
    response.raise_for_status()
    return response


def counters(server: Server) -> tuple[int, int, float]:
    """(SQL statements, requests, Meilisearch's own milliseconds) the server has seen so far."""
    stats = httpx.get(f"{server.base_url}/baseline/stats", timeout=10).json()
    return int(stats["statements"]), int(stats["requests"]), float(stats["index_ms"])


def settled_counters(server: Server) -> tuple[int, int, float]:
    """The counters once the requests still in flight when wrk stopped have finished."""
    previous = counters(server)
    for _ in range(100):
        time.sleep(0.05)
        current = counters(server)
        if current == previous:
            return current
        previous = current
    return previous


def check_answers(
    server: Server, token: str, scenario: Scenario, variants: list[Variant]
) -> dict[str, int]:
    """Every variant must answer what the baseline answers; returns response sizes.

    The GraphQL endpoint adds top-level `extensions` (the caller's rate-limit budget, which
    changes with every request); they are left out of the comparison, not out of the cost."""
    raw: dict[str, bytes] = {}
    docs: dict[str, Any] = {}
    for variant in variants:
        # A key of its own, so that no measured request gets this request's answer back.
        body = variant.body_with_key(f"check{uuid.uuid4().hex}") if variant.keyed else variant.body
        response = post(server, variant.path, body, token)
        doc = response.json()
        if "errors" in doc:
            raise RuntimeError(f"{scenario.key}/{variant.label} answered errors: {doc['errors']}")
        doc.pop("extensions", None)
        raw[variant.label] = response.content
        docs[variant.label] = variant.extract(doc) if variant.extract else doc
    expected = docs[scenario.baseline]
    for label, doc in docs.items():
        if doc != expected:
            raise RuntimeError(f"{scenario.key}/{label} does not answer what the baseline does")
        compact = json.dumps(doc, separators=(",", ":")).encode()
        if scenario.same_bytes and compact != raw[scenario.baseline]:
            raise RuntimeError(f"{scenario.key}/{label} differs from the baseline's bytes")
    return {label: len(body) for label, body in raw.items()}


def _writes(
    server: Server, scenario: Scenario, ctx: ScenarioContext, variant: Variant, token: str
) -> KeyedRun | None:
    writes = scenario.writes
    if writes is None or not variant.keyed:
        return None
    return KeyedRun(server.base_url, variant, token, *writes.bound(ctx))


def _load(
    server: Server, variant: Variant, token: str, seconds: int, connections: int, prefix: str | None
) -> LoadResult:
    url = f"{server.base_url}{variant.path}"
    return run_wrk(
        url, variant.body, token, seconds=seconds, connections=connections, key_prefix=prefix
    )


def sample(
    server: Server,
    variant: Variant,
    token: str,
    settings: RunSettings,
    connections: int,
    writes: KeyedRun | None = None,
    result: VariantResult | None = None,
) -> Sample:
    before = settled_counters(server)
    prefix = writes.begin() if writes else None
    server.reset_peak_rss()
    cpu_before = server.cpu_seconds()
    load = _load(server, variant, token, settings.seconds, connections, prefix)
    peak_rss = server.peak_rss_mb()
    after = settled_counters(server)
    cpu = server.cpu_seconds() - cpu_before
    if writes and result is not None:
        result.ledgers.append(writes.end(str(len(result.samples) + 1), load.keyed))
    if load.errors or not load.requests:
        raise RuntimeError(f"{variant.label}: {load.errors} failed of {load.requests} requests")
    served = after[1] - before[1]
    if not served:
        raise RuntimeError(f"{variant.label}: the server booked no completed request")
    return Sample(
        rps=load.rps,
        p50_ms=load.p50_ms,
        p99_ms=load.p99_ms,
        sql_per_request=(after[0] - before[0]) / served,
        peak_rss_mb=peak_rss,
        cpu_ms=1000 * cpu / served,
        index_ms=(after[2] - before[2]) / served,
    )


def run_scenario(
    server: Server,
    tokens: TokenSource,
    scenario: Scenario,
    ctx: ScenarioContext,
    backend: str,
    settings: RunSettings,
) -> list[VariantResult]:
    variants = scenario.build(ctx)
    connections = scenario.connections or settings.connections
    sizes = check_answers(server, tokens.fetch(), scenario, variants)
    results = {
        v.label: VariantResult(
            scenario.key,
            scenario.title,
            backend,
            ctx.products,
            v.label,
            v.label == scenario.baseline,
            sizes[v.label],
            connections,
        )
        for v in variants
    }
    token = tokens.fetch()
    for variant in variants if settings.warmup_seconds else []:
        writes = _writes(server, scenario, ctx, variant, token)
        prefix = writes.begin() if writes else None
        load = _load(server, variant, token, settings.warmup_seconds, connections, prefix)
        if writes:
            results[variant.label].ledgers.append(writes.end("warm-up", load.keyed))
    for run in range(settings.runs):
        token = tokens.fetch()
        # Rotate the order so that no variant always runs first or last.
        shift = run % len(variants)
        for variant in variants[shift:] + variants[:shift]:
            result = results[variant.label]
            writes = _writes(server, scenario, ctx, variant, token)
            measured = sample(server, variant, token, settings, connections, writes, result)
            result.samples.append(measured)
    for result in results.values():
        result.vs_baseline = ratios(result, results[scenario.baseline])
        if RAW in results:
            result.vs_raw = ratios(result, results[RAW])
    return list(results.values())


def ratios(result: VariantResult, reference: VariantResult) -> dict[str, float]:
    return {
        name: round(result.median(name) / reference.median(name), 3)
        for name in ("rps", "p50_ms", "p99_ms", "cpu_ms")
        if reference.median(name)
    }
