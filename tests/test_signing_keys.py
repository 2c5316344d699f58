"""Key rotation: old tokens keep working until they expire, pruned keys sign nothing valid."""

from datetime import timedelta

import httpx
import pytest
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
