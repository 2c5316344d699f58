"""Tokens from trusted external identity providers, mapped onto our organisations.

Each provider is configured with its issuer, JWKS URL, the audience it must address to us, the
claim naming the caller's organisation and an explicit map from that claim's values to our
organisation slugs. A value missing from the map is refused. As for our own tokens, the
organisation's kind, country and vetting come from our database; the token's scopes are cut
down to the organisation kind's set.
"""

import time
from dataclasses import dataclass
from typing import Any

import httpx
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry
from sqlalchemy import select
from sqlmodel import col

from auth import scopes as scope_set
from auth.config import LEEWAY_SECONDS, ExternalIssuer
from auth.errors import InvalidToken
from auth.verify import check_claims, decode
from catalog.core.db import Database
from catalog.core.principal import Principal
from catalog.models import Organisation

ASYMMETRIC = frozenset({"RS256", "RS384", "RS512", "PS256", "PS384", "PS512", "ES256", "ES384"})
JWKS_CACHE_SECONDS = 300.0
# An unknown kid refetches the provider's JWKS, but not more often than this.
JWKS_REFETCH_SECONDS = 10.0
TOKEN_TYPES = ("at+jwt", "application/at+jwt", "jwt")


@dataclass
class _Fetched:
    keys: KeySet
    at: float


class JwksCache:
    """One provider's public keys, fetched with httpx and kept for a few minutes."""

    def __init__(self, url: str) -> None:
        self.url = url
        self._fetched: _Fetched | None = None

    async def _fetch(self) -> KeySet:
        try:
            async with httpx.AsyncClient(timeout=5.0) as http:
                response = await http.get(self.url)
                response.raise_for_status()
                keys = KeySet.import_key_set(response.json())
        except (httpx.HTTPError, ValueError) as error:
            raise InvalidToken("the token's issuer could not be reached") from error
        self._fetched = _Fetched(keys, time.monotonic())
        return keys

    async def keys_for(self, kid: str | None) -> KeySet:
        fetched = self._fetched
        if fetched is None or time.monotonic() - fetched.at >= JWKS_CACHE_SECONDS:
            return await self._fetch()
        known = any(key.kid == kid for key in fetched.keys.keys)
        if kid and not known and time.monotonic() - fetched.at >= JWKS_REFETCH_SECONDS:
            return await self._fetch()
        return fetched.keys


class ExternalProvider:
    def __init__(self, config: ExternalIssuer) -> None:
        unsafe = set(config.algorithms) - ASYMMETRIC
        if unsafe:
            raise ValueError(f"{config.issuer}: algorithms not accepted: {sorted(unsafe)}")
        self.config = config
        self.jwks = JwksCache(config.jwks_url)
        self.registry = JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": config.issuer},
            aud={"essential": True, "value": config.audience},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
        )

    async def verify(self, token: str, header: dict[str, Any]) -> dict[str, Any]:
        if header.get("alg") not in self.config.algorithms:
            raise InvalidToken("the token's algorithm is not accepted")
        if "typ" in header and str(header["typ"]).lower() not in TOKEN_TYPES:
            raise InvalidToken("the token is not an access token")
        kid = header.get("kid")
        keys = await self.jwks.keys_for(kid if isinstance(kid, str) else None)
        if kid and all(key.kid != kid for key in keys.keys):
            raise InvalidToken("the token was signed by an unknown key")
        claims = decode(token, keys, self.config.algorithms)
        check_claims(claims, self.registry)
        return claims

    def organisation_slug(self, claims: dict[str, Any]) -> str:
        value = claims.get(self.config.org_claim)
        slug = self.config.organisations.get(value) if isinstance(value, str) else None
        if slug is None:
            raise InvalidToken("the token's organisation is not known here")
        return slug


def _token_scopes(claims: dict[str, Any]) -> frozenset[str]:
    scope = claims.get("scope")
    if isinstance(scope, str):
        return scope_set.parse(scope)
    scp = claims.get("scp")
    if isinstance(scp, list):
        return frozenset(s for s in scp if isinstance(s, str))
    return frozenset()


class ExternalIssuers:
    def __init__(self, db: Database, configs: list[ExternalIssuer], own_issuer: str) -> None:
        if any(c.issuer == own_issuer for c in configs):
            raise ValueError("an external issuer may not use this service's own issuer name")
        self.db = db
        self.providers = {c.issuer: ExternalProvider(c) for c in configs}

    def handles(self, issuer: object) -> bool:
        return isinstance(issuer, str) and issuer in self.providers

    async def authenticate(
        self, token: str, header: dict[str, Any], unverified: dict[str, Any]
    ) -> Principal:
        provider = self.providers[unverified["iss"]]
        claims = await provider.verify(token, header)
        slug = provider.organisation_slug(claims)
        async with self.db.read() as session:
            org = await session.scalar(select(Organisation).where(col(Organisation.slug) == slug))
        if org is None:
            raise InvalidToken("the token's organisation is not known here")
        client_id = claims.get("client_id") or claims.get("azp")
        return Principal.for_organisation(
            org,
            subject=f"{provider.config.issuer}#{claims['sub']}",
            client_id=str(client_id) if client_id else None,
            scopes=_token_scopes(claims) & scope_set.for_kind(org.kind),
        )
