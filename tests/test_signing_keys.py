"""Key rotation: old tokens keep working until they expire, pruned keys sign nothing valid."""

from datetime import timedelta

import httpx
import pytest
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy import select

from api.app import create_app
from api.settings import Settings
from auth.config import MAX_TOKEN_LIFETIME_SECONDS
from auth.keys import prune_keys, rotate_keys
from catalog.core.db import Database
from catalog.core.principal import SYSTEM
from catalog.core.transactions import write
from catalog.models import SigningKey
from catalog.models.base import utcnow
from tests.forge import claims_of, header_of
from tests.tokens import bearer, issue_token

ME = {"query": "{ me { subject } }"}
LIFETIME = timedelta(seconds=MAX_TOKEN_LIFETIME_SECONDS)


async def kids(api: httpx.AsyncClient) -> set[str]:
    return {k["kid"] for k in (await api.get("/.well-known/jwks.json")).json()["keys"]}


async def status(api: httpx.AsyncClient, token: str) -> int:
    return (await api.post("/graphql", json=ME, headers=bearer(token))).status_code


async def test_the_first_key_is_created_once_and_published(
    api: httpx.AsyncClient, seeded: Database
) -> None:
    published = await kids(api)
    assert len(published) == 1
    token = await issue_token(api, seeded, "demo-partner-PL")
    assert header_of(token)["kid"] in published
    assert await kids(api) == published


async def test_rotation_keeps_old_tokens_valid_until_pruned(
    api: httpx.AsyncClient, seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    old_token = await issue_token(api, seeded, "demo-partner-PL")
    old_kid = header_of(old_token)["kid"]

    new_kid, pruned = await rotate_keys(seeded, LIFETIME)
    assert pruned == [] and new_kid != old_kid
    new_token = await issue_token(api, seeded, "demo-partner-DE")
    assert header_of(new_token)["kid"] == new_kid
    assert await kids(api) == {old_kid, new_kid}
    assert await status(api, old_token) == 200
    assert await status(api, new_token) == 200

    # Not yet prunable: the old key's tokens may still be alive.
    assert await prune_keys(seeded, LIFETIME) == []

    # Time passes (for the key ring's clock): the old key has now been retired for longer than
    # any token lives. It is withdrawn at once, even from this worker's cache ...
    later = utcnow() + LIFETIME + timedelta(minutes=5)
    monkeypatch.setattr("auth.keys.utcnow", lambda: later)
    assert await kids(api) == {new_kid}
    assert await status(api, old_token) == 401
    # ... and then deleted.
    assert await prune_keys(seeded, LIFETIME) == [old_kid]
    async with seeded.read() as session:
        remaining = set((await session.execute(select(SigningKey.kid))).scalars())
    assert remaining == {new_kid}
    assert await status(api, old_token) == 401
    assert await status(api, new_token) == 200
    assert claims_of(old_token)["exp"] > claims_of(old_token)["iat"]


async def test_a_deleted_key_stops_verifying(
    api: httpx.AsyncClient, seeded: Database, settings: Settings
) -> None:
    """A key removed from the table (e.g. after a compromise) is refused once this worker's
    short cache has been refreshed; a fresh app has no cache at all."""
    token = await issue_token(api, seeded, "demo-partner-PL")
    kid = header_of(token)["kid"]
    await rotate_keys(seeded, LIFETIME)
    async with write(seeded, SYSTEM) as tx:
        await tx.session.execute(SigningKey.__table__.delete().where(SigningKey.kid == kid))
        tx.audit("signing_key.deleted", "SigningKey", kid)
    fresh = create_app(settings, db=seeded)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=fresh), base_url="http://127.0.0.1:8000"
    ) as client:
        assert await status(client, token) == 401


async def test_a_token_seen_before_is_refused_once_its_key_is_deleted(
    seeded: Database, settings: Settings
) -> None:
    """The signature of a token already accepted is not checked again, but only while the key
    ring still publishes its key as the same parsed set: in the same worker, a deleted key
    refuses the token on the first request after the ring has reloaded the table."""
    app = create_app(settings.model_copy(update={"signing_key_cache_seconds": 0}), db=seeded)
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://127.0.0.1:8000"
    ) as client:
        token = await issue_token(client, seeded, "demo-partner-PL")
        assert await status(client, token) == 200
        assert await status(client, token) == 200
        kid = header_of(token)["kid"]
        await rotate_keys(seeded, LIFETIME)
        assert await status(client, token) == 200
        async with write(seeded, SYSTEM) as tx:
            await tx.session.execute(SigningKey.__table__.delete().where(SigningKey.kid == kid))
            tx.audit("signing_key.deleted", "SigningKey", kid)
        assert await status(client, token) == 401


async def test_a_token_seen_before_is_refused_once_it_expires(
    api: httpx.AsyncClient, seeded: Database, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Expiry is checked on every request, whether or not the signature was checked before."""
    token = await issue_token(api, seeded, "demo-partner-PL")
    assert await status(api, token) == 200
    assert await status(api, token) == 200
    expired = int(claims_of(token)["exp"]) + 3600
    monkeypatch.setattr(JWTClaimsRegistry, "now", property(lambda _registry: expired))
    assert await status(api, token) == 401


async def test_a_token_changed_by_one_character_is_checked_afresh(
    api: httpx.AsyncClient, seeded: Database
) -> None:
    """What was seen before is found by the whole token: the same claims under another
    signature are a different token, checked (and refused) in full."""
    token = await issue_token(api, seeded, "demo-partner-PL")
    assert await status(api, token) == 200
    head, payload, signature = token.split(".")
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    assert await status(api, f"{head}.{payload}.{flipped}") == 401
    assert await status(api, token) == 200
