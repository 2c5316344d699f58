"""Signing keys, kept in the database so that every API worker signs and verifies alike.

The newest unretired key signs. Rotation retires the current key; a retired key stays published
(and accepted) until the longest-lived token it could have signed has expired, then it is pruned.
"""

import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from joserfc.jwk import ECKey, KeySet
from sqlalchemy import delete, select
from sqlmodel import col

from catalog.core.db import Database
from catalog.core.principal import SYSTEM
from catalog.core.transactions import write
from catalog.models import SigningKey
from catalog.models.base import utcnow

ALGORITHM = "ES256"
# A retired key outlives the longest token lifetime by this much, to absorb clock skew.
RETIREMENT_MARGIN = timedelta(seconds=60)


def _generate() -> SigningKey:
    key = ECKey.generate_key("P-256", private=True)
    kid = key.thumbprint()
    return SigningKey(
        kid=kid,
        alg=ALGORITHM,
        private_pem=key.as_pem(private=True).decode(),
        public_jwk={**key.as_dict(private=False), "kid": kid, "alg": ALGORITHM, "use": "sig"},
    )


def private_key(row: SigningKey) -> ECKey:
    return ECKey.import_key(
        row.private_pem, parameters={"kid": row.kid, "alg": row.alg, "use": "sig"}
    )


def _still_published(row: SigningKey, now: datetime, max_lifetime: timedelta) -> bool:
    return row.retired_at is None or row.retired_at + max_lifetime + RETIREMENT_MARGIN > now


async def _add_key(db: Database, *, retire_others: bool) -> SigningKey:
    row = _generate()
    async with write(db, SYSTEM) as tx:
        if retire_others:
            current = (
                await tx.session.execute(
                    select(SigningKey).where(col(SigningKey.retired_at).is_(None))
                )
            ).scalars()
            for old in current:
                old.retired_at = utcnow()
                tx.audit("signing_key.retired", "SigningKey", old.kid, {})
        tx.session.add(row)
        tx.audit("signing_key.created", "SigningKey", row.kid, {"alg": row.alg})
    return row


async def prune_keys(db: Database, max_lifetime: timedelta) -> list[str]:
    """Delete retired keys whose every token has expired; returns their kids."""
    cutoff = utcnow() - max_lifetime - RETIREMENT_MARGIN
    async with db.read() as session:
        stale = list(
            (
                await session.execute(
                    select(col(SigningKey.kid)).where(
                        col(SigningKey.retired_at).is_not(None),
                        col(SigningKey.retired_at) <= cutoff,
                    )
                )
            ).scalars()
        )
    if stale:
        async with write(db, SYSTEM) as tx:
            await tx.session.execute(delete(SigningKey).where(col(SigningKey.kid).in_(stale)))
            for kid in stale:
                tx.audit("signing_key.pruned", "SigningKey", kid, {})
    return stale


async def rotate_keys(db: Database, max_lifetime: timedelta) -> tuple[str, list[str]]:
    """A new signing key takes over; returns its kid and the kids pruned on the way."""
    pruned = await prune_keys(db, max_lifetime)
    row = await _add_key(db, retire_others=True)
    return row.kid, pruned


@dataclass
class _Snapshot:
    rows: list[SigningKey]
    loaded_at: float
    # Each published key parsed once per load: parsing a JWK costs as much as a verification.
    key_sets: dict[str, KeySet] = field(default_factory=dict)


class KeyRing:
    """Reads the key table, caching it for `cache_seconds`. An unknown `kid` forces a reload so
    a key created by another worker is found at once; that costs one query on a tiny table, no
    more than a valid token costs."""

    def __init__(self, db: Database, *, max_lifetime: timedelta, cache_seconds: float) -> None:
        self.db = db
        self.max_lifetime = max_lifetime
        self.cache_seconds = cache_seconds
        self._snapshot: _Snapshot | None = None

    async def _load(self) -> list[SigningKey]:
        async with self.db.read() as session:
            rows = (await session.execute(select(SigningKey))).scalars().all()
        self._snapshot = _Snapshot(list(rows), time.monotonic())
        return self._published(self._snapshot.rows)

    def _published(self, rows: list[SigningKey]) -> list[SigningKey]:
        """Checked on every use, not only on load: a cached key past its window is dropped."""
        now = utcnow()
        return [r for r in rows if _still_published(r, now, self.max_lifetime)]

    async def _rows(self, *, must_contain: str | None = None) -> list[SigningKey]:
        snap = self._snapshot
        age = time.monotonic() - snap.loaded_at if snap else None
        if snap is None or age is None or age >= self.cache_seconds:
            return await self._load()
        if must_contain and all(r.kid != must_contain for r in self._published(snap.rows)):
            return await self._load()
        return self._published(snap.rows)

    async def signing_key(self) -> ECKey:
        """The current key; the first one is created on first use."""
        rows = [r for r in await self._rows() if r.retired_at is None]
        if not rows:
            rows = [r for r in await self._load() if r.retired_at is None]
        if not rows:
            rows = [await _add_key(self.db, retire_others=False)]
            self._snapshot = None
        newest = max(rows, key=lambda r: (r.created_at, r.kid))
        return private_key(newest)

    async def verification_keys(self, kid: str) -> KeySet | None:
        """The published key named `kid`, as a one-key set; None when there is none."""
        rows = [r for r in await self._rows(must_contain=kid) if r.kid == kid]
        if not rows:
            return None
        snapshot = self._snapshot
        key_sets = snapshot.key_sets if snapshot is not None else {}
        found = key_sets.get(kid)
        if found is None:
            found = key_sets[kid] = KeySet.import_key_set({"keys": [r.public_jwk for r in rows]})
        return found

    async def jwks(self) -> dict[str, Any]:
        return {"keys": [r.public_jwk for r in await self._rows()]}
