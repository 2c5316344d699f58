"""Per-client rate limits: a leaky bucket of GraphQL cost per OAuth client, and buckets of
attempts at the OAuth endpoints that check client secrets: per source address, and failed
attempts per client id (see api/token_attempts.py). Only the buckets live here: the
GraphQL cost is measured in schema/limits.py and charged by api/graphql/admission.py; token
attempts are counted by api/token_attempts.py.

A bucket holds up to `capacity` points and refills at `restore_rate` points per second. A
request spends its cost up front; when the bucket holds less than that, the request is refused
with HTTP 429 and a Retry-After of the seconds the refill needs. Buckets live in this process
by default; with REDIS_URL they live in Redis, updated by one Lua script per spend, so every
API worker draws from the same bucket.
"""

import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

logger = logging.getLogger("market.ratelimit")


@dataclass(frozen=True, slots=True)
class Budget:
    """The outcome of one spend, and what the client is told about its bucket."""

    allowed: bool
    requested: int
    remaining: float
    capacity: int
    restore_rate: float

    @property
    def retry_after(self) -> int:
        """Whole seconds until the bucket holds `requested` again (0 when it already does)."""
        if self.allowed:
            return 0
        return max(1, math.ceil((self.requested - self.remaining) / self.restore_rate))

    @property
    def ever_affordable(self) -> bool:
        return self.requested <= self.capacity

    def as_extension(self) -> dict[str, Any]:
        return {
            "requested": self.requested,
            "remaining": math.floor(self.remaining),
            "capacity": self.capacity,
            "restoreRate": self.restore_rate,
        }


class Buckets(Protocol):
    async def spend(self, key: str, cost: int, capacity: int, restore_rate: float) -> Budget: ...

    async def close(self) -> None: ...


def _refill(level: float, elapsed: float, capacity: int, restore_rate: float) -> float:
    return min(float(capacity), level + max(0.0, elapsed) * restore_rate)


class MemoryBuckets:
    """Buckets in this process: right for one API process, or when each process may have its
    own allowance. A spend never awaits, so it is atomic within the event loop."""

    PRUNE_ABOVE = 10_000

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        # key -> (level, when, capacity, restore rate): buckets of several kinds share the map
        self._state: dict[str, tuple[float, float, int, float]] = {}
        self.clock = clock

    async def spend(self, key: str, cost: int, capacity: int, restore_rate: float) -> Budget:
        now = self.clock()
        level, at, _, _ = self._state.get(key, (float(capacity), now, capacity, restore_rate))
        level = _refill(level, now - at, capacity, restore_rate)
        allowed = cost <= level
        if allowed:
            level -= cost
        self._state[key] = (level, now, capacity, restore_rate)
        if len(self._state) > self.PRUNE_ABOVE:
            self._prune(now)
        return Budget(allowed, cost, level, capacity, restore_rate)

    def _prune(self, now: float) -> None:
        """Forget buckets that have refilled completely: they are the same as new ones."""
        full = [
            key
            for key, (level, at, capacity, rate) in self._state.items()
            if _refill(level, now - at, capacity, rate) >= capacity
        ]
        for key in full:
            del self._state[key]

    async def close(self) -> None:
        self._state.clear()


# Refill and spend in one step on the Redis server, with the server's clock, so that workers
# on different hosts agree. The key expires once it would have refilled anyway.
SPEND_SCRIPT = """
local cost = tonumber(ARGV[1])
local capacity = tonumber(ARGV[2])
local rate = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'level', 'at')
local level = tonumber(state[1]) or capacity
local at = tonumber(state[2]) or now
level = math.min(capacity, level + math.max(0, now - at) * rate)
local allowed = 0
if cost <= level then
  level = level - cost
  allowed = 1
end
redis.call('HSET', KEYS[1], 'level', string.format('%.6f', level),
           'at', string.format('%.6f', now))
redis.call('PEXPIRE', KEYS[1], math.ceil((capacity - level) / rate * 1000) + 1000)
return {allowed, string.format('%.6f', level)}
"""


class RedisBuckets:
    """Buckets shared by every API worker through Redis. If Redis cannot be reached the
    request is let through and the failure logged: the limiter guards capacity, not access."""

    def __init__(self, url: str, prefix: str = "market:bucket:") -> None:
        from redis.asyncio import Redis

        self.redis = Redis.from_url(url, socket_timeout=1.0, socket_connect_timeout=1.0)
        self.script = self.redis.register_script(SPEND_SCRIPT)
        self.prefix = prefix

    async def spend(self, key: str, cost: int, capacity: int, restore_rate: float) -> Budget:
        from redis.exceptions import RedisError

        try:
            allowed, level = await self.script(
                keys=[self.prefix + key], args=[cost, capacity, restore_rate]
            )
        except (RedisError, OSError) as error:
            logger.warning("rate limit store unavailable, request not limited: %s", error)
            return Budget(True, cost, float(capacity), capacity, restore_rate)
        return Budget(bool(allowed), cost, float(level), capacity, restore_rate)

    async def close(self) -> None:
        await self.redis.aclose()


class RateLimitSettings(Protocol):
    @property
    def redis_url(self) -> str | None: ...
    @property
    def rate_limit_capacity(self) -> int: ...
    @property
    def rate_limit_restore_rate(self) -> float: ...
    @property
    def token_attempts_capacity(self) -> int: ...
    @property
    def token_attempts_restore_rate(self) -> float: ...


class RateLimits:
    """The service's limits over one bucket store."""

    def __init__(self, settings: RateLimitSettings) -> None:
        self.settings = settings
        self.buckets: Buckets = (
            RedisBuckets(settings.redis_url) if settings.redis_url else MemoryBuckets()
        )

    async def spend_cost(self, client: str, cost: int) -> Budget:
        return await self.buckets.spend(
            f"cost:{client}",
            cost,
            self.settings.rate_limit_capacity,
            self.settings.rate_limit_restore_rate,
        )

    async def token_attempt(self, client_id: str | None, address: str) -> Budget:
        """May this address try a client secret now? Every attempt spends one from the
        address's bucket. A client id whose failures have emptied its own bucket is under
        attack: then only an address that has not failed for it within a refill may try."""
        capacity = self.settings.token_attempts_capacity
        rate = self.settings.token_attempts_restore_rate
        budget = await self.buckets.spend(f"token-addr:{address}", 1, capacity, rate)
        if not budget.allowed or not client_id:
            return budget
        failures = await self.buckets.spend(f"token-fail:{client_id}", 0, capacity, rate)
        if failures.remaining >= 1:
            return budget
        here = await self.buckets.spend(f"token-fail:{client_id}@{address}", 0, 1, rate / capacity)
        return Budget(here.remaining >= 1, 1, here.remaining, 1, rate / capacity)

    async def token_failure(self, client_id: str, address: str) -> None:
        """A failed client authentication: counted for the client id, and for the client id
        from this address (which, while the client id is under attack, may then not try it
        again until the bucket of capacity one refills, as long as the address bucket takes to
        refill completely)."""
        capacity = self.settings.token_attempts_capacity
        rate = self.settings.token_attempts_restore_rate
        await self.buckets.spend(f"token-fail:{client_id}", 1, capacity, rate)
        await self.buckets.spend(f"token-fail:{client_id}@{address}", 1, 1, rate / capacity)

    async def close(self) -> None:
        await self.buckets.close()
