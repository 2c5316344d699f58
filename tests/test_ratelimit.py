"""Rate limits: leaky buckets of GraphQL cost per OAuth client, token attempts per client id and
source address, in-process and shared through Redis."""

import asyncio
import uuid
from collections.abc import AsyncIterator

import httpx
import pytest
from starlette.requests import Request

from api.app import create_app
from api.ratelimit import MemoryBuckets, RedisBuckets
from api.settings import Settings
from auth.clients import create_client
from auth.transport import TransportPolicy
from catalog.core.db import Database
from schema import build_schema
from schema.document import query_cost as cost_of
from tests.tokens import bearer, issue_token

REDIS_URL = "redis://127.0.0.1:6379/0"
PAGE = "{ products(first: 10) { edges { node { name } } } }"  # 1 + 10 * (1 + 1 + 1) = 31


SCHEMA = build_schema()._schema


def query_cost(query: str, variables: dict | None) -> int:
    return cost_of(SCHEMA, query, variables, page_size_max=100)


class FakeClock:
    """Time that moves only when the test says so (unit tests make no timing assertions)."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_cost_counts_fields_and_multiplies_connections_by_first() -> None:
    assert query_cost("{ me { name } }", None) == 2
    assert query_cost(PAGE, None) == 31
    by_variable = "query($n: Int) { products(first: $n) { edges { node { name } } } }"
    assert query_cost(by_variable, {"n": 50}) == 1 + 50 * 3
    assert query_cost(by_variable, {}) == 1 + 20 * 3  # the default page size
    assert query_cost("{ products(first: 5000) { totalCount } }", None) == 1 + 100


def test_cost_of_nested_fragments_is_computed_without_blowing_up() -> None:
    fragments = ["fragment F0 on Product { name }"]
    for level in range(1, 40):
        fragments.append(f"fragment F{level} on Product {{ ...F{level - 1} ...F{level - 1} }}")
    query = '{ product(id: "x") { ...F39 } } ' + " ".join(fragments)
    assert query_cost(query, None) == 1 + 2**39
    assert query_cost("{ broken", None) == 1
    too_long = "{ " + "me { name } " * 1000 + "}"
    assert cost_of(SCHEMA, too_long, None, page_size_max=100, max_tokens=100) == 1


async def test_memory_bucket_spends_refuses_and_refills() -> None:
    clock = FakeClock()
    buckets = MemoryBuckets(clock)
    first = await buckets.spend("a", 60, capacity=100, restore_rate=10)
    assert (first.allowed, first.remaining) == (True, 40)
    refused = await buckets.spend("a", 60, capacity=100, restore_rate=10)
    assert not refused.allowed
    assert refused.retry_after == 2  # 20 points missing at 10 per second
    assert (await buckets.spend("b", 60, capacity=100, restore_rate=10)).allowed  # other client
    clock.now += 2
    again = await buckets.spend("a", 60, capacity=100, restore_rate=10)
    assert (again.allowed, again.remaining) == (True, 0)
    clock.now += 1000  # never more than the capacity
    assert (await buckets.spend("a", 0, capacity=100, restore_rate=10)).remaining == 100


@pytest.fixture
async def redis_buckets() -> AsyncIterator[tuple[RedisBuckets, RedisBuckets]]:
    """Two stores on one Redis, as two API workers would have; a fresh key prefix per test."""
    prefix = f"market:test:{uuid.uuid4().hex}:"
    first, second = RedisBuckets(REDIS_URL, prefix), RedisBuckets(REDIS_URL, prefix)
    yield first, second
    keys = [key async for key in first.redis.scan_iter(match=prefix + "*")]
    if keys:
        await first.redis.delete(*keys)
    await first.close()
    await second.close()


async def test_redis_bucket_is_shared_and_atomic(
    redis_buckets: tuple[RedisBuckets, RedisBuckets],
) -> None:
    first, second = redis_buckets
    spent = await first.spend("client", 70, capacity=100, restore_rate=0.001)
    assert (spent.allowed, round(spent.remaining)) == (True, 30)
    refused = await second.spend("client", 70, capacity=100, restore_rate=0.001)
    assert not refused.allowed  # the other worker sees the same bucket
    assert refused.retry_after > 0
    # Many concurrent spends from both workers: exactly what the bucket holds is granted.
    results = await asyncio.gather(
        *(store.spend("burst", 1, 20, 0.001) for _ in range(30) for store in (first, second))
    )
    assert sum(result.allowed for result in results) == 20


async def test_unreachable_redis_lets_requests_through() -> None:
    buckets = RedisBuckets("redis://127.0.0.1:1/0")
    try:
        budget = await buckets.spend("client", 5, capacity=10, restore_rate=1)
    finally:
        await buckets.close()
    assert budget.allowed


def _limited(settings: Settings, **limits: object) -> Settings:
    return settings.model_copy(update=limits)


@pytest.fixture(params=["memory", "redis"])
async def limited_api(
    request: pytest.FixtureRequest, settings: Settings, seeded: Database
) -> AsyncIterator[httpx.AsyncClient]:
    """An app with small budgets: 100 cost points restored at 1 per second, 3 token attempts."""
    redis_url = REDIS_URL if request.param == "redis" else None
    app = create_app(
        _limited(
            settings,
            redis_url=redis_url,
            rate_limit_capacity=100,
            rate_limit_restore_rate=1.0,
            token_attempts_capacity=3,
            token_attempts_restore_rate=0.01,
        ),
        db=seeded,
    )
    # A loopback address of its own, so that the per-address bucket is this test's alone.
    address = f"127.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}"
    transport = httpx.ASGITransport(app=app, client=(address, 1234))
    async with (
        app.router.lifespan_context(app),
        httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client,
    ):
        yield client


async def test_queries_spend_their_cost_until_refused_with_retry_after(
    limited_api: httpx.AsyncClient, seeded: Database
) -> None:
    token = await issue_token(limited_api, seeded, "demo-partner-PL")
    other = await issue_token(limited_api, seeded, "demo-partner-DE")
    remaining = []
    for _ in range(3):
        answer = await limited_api.post("/graphql", json={"query": PAGE}, headers=bearer(token))
        assert answer.status_code == 200, answer.text
        cost = answer.json()["extensions"]["cost"]
        assert (cost["requested"], cost["capacity"], cost["restoreRate"]) == (31, 100, 1.0)
        remaining.append(cost["remaining"])
    assert remaining[0] - remaining[2] >= 60  # spent twice more (plus a second of refill)
    refused = await limited_api.post("/graphql", json={"query": PAGE}, headers=bearer(token))
    assert refused.status_code == 429
    assert int(refused.headers["retry-after"]) >= 1
    body = refused.json()
    assert "data" not in body
    assert body["errors"][0]["extensions"]["code"] == "RATE_LIMITED"
    assert body["extensions"]["cost"]["remaining"] < 31
    # Another client's bucket is untouched.
    answer = await limited_api.post("/graphql", json={"query": PAGE}, headers=bearer(other))
    assert answer.status_code == 200
    assert answer.json()["extensions"]["cost"]["remaining"] == 100 - 31


async def test_a_query_costing_more_than_the_bucket_is_refused_for_good(
    limited_api: httpx.AsyncClient, seeded: Database
) -> None:
    token = await issue_token(limited_api, seeded, "demo-partner-PL")
    huge = "{ products(first: 100) { edges { node { name } } } }"
    answer = await limited_api.post("/graphql", json={"query": huge}, headers=bearer(token))
    assert answer.status_code == 200
    assert answer.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert "retry-after" not in answer.headers


async def test_token_attempts_are_limited_per_client_and_address(
    limited_api: httpx.AsyncClient, seeded: Database
) -> None:
    created = await create_client(seeded, org_slug="demo-partner-PL", scopes=None, name="t")
    form = {"grant_type": "client_credentials"}
    statuses = []
    for _ in range(4):
        answer = await limited_api.post(
            "/oauth/token", data=form, auth=(created.client_id, "wrong secret")
        )
        statuses.append(answer.status_code)
    assert statuses == [401, 401, 401, 429]
    assert int(answer.headers["retry-after"]) >= 1
    assert answer.json()["error"] == "slow_down"
    # The right secret is refused too until the bucket refills: the limit comes first.
    refused = await limited_api.post(
        "/oauth/token", data=form, auth=(created.client_id, created.client_secret)
    )
    assert refused.status_code == 429


def _request_from(peer: str, forwarded_for: str) -> Request:
    headers = [(b"x-forwarded-for", forwarded_for.encode())]
    return Request({"type": "http", "client": (peer, 1), "headers": headers, "path": "/"})


def test_source_address_believes_forwarded_for_only_from_trusted_proxies() -> None:
    policy = TransportPolicy(["10.0.0.0/8"])
    # A trusted proxy: the nearest hop that is not one of ours is the source.
    trusted = _request_from("10.0.0.5", "203.0.113.9, 198.51.100.7, 10.0.0.2")
    assert policy.source_address(trusted) == "198.51.100.7"
    # Anyone else: the header is the caller's own claim and is ignored.
    assert policy.source_address(_request_from("192.0.2.1", "203.0.113.9")) == "192.0.2.1"
