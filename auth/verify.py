"""Checks our own access tokens: signature, header, claims, client and denylist."""

import json
from dataclasses import dataclass
from typing import Any

from joserfc import jws, jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from auth import scopes as scope_set
from auth.client_cache import ClientLookup, DirectLookup
from auth.clients import ClientRecord
from auth.config import LEEWAY_SECONDS
from auth.errors import InvalidToken
from auth.keys import ALGORITHM, KeyRing
from catalog.core.db import Database

ACCESS_TOKEN_TYPES = ("at+jwt", "application/at+jwt")
# Tokens whose signature this process has checked, kept so a client's next request with the same
# token skips the signature (most of a small request's CPU). A few thousand live clients at once
# is far above what one worker serves; past that the oldest are checked again.
VERIFIED_TOKENS_KEPT = 4096


@dataclass(frozen=True, slots=True)
class VerifiedToken:
    claims: dict[str, Any]
    scopes: frozenset[str]

    @property
    def jti(self) -> str:
        return str(self.claims["jti"])

    @property
    def client_id(self) -> str:
        return str(self.claims["client_id"])

    @property
    def expires_at(self) -> int:
        return int(self.claims["exp"])


def unverified_parts(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """Header and claims before any check: only to pick the keys and rules to check them with."""
    try:
        compact = jws.extract_compact(token.encode("ascii"))
        claims = json.loads(compact.payload)
    except (JoseError, ValueError, UnicodeError) as error:
        raise InvalidToken("the token is malformed") from error
    if not isinstance(claims, dict):
        raise InvalidToken("the token is malformed")
    return dict(compact.protected), claims


def check_claims(claims: dict[str, Any], registry: JWTClaimsRegistry) -> None:
    try:
        registry.validate(claims)
    except JoseError as error:
        raise InvalidToken(f"the token was refused: {error.description or error.error}") from error


def check_lifetime(claims: dict[str, Any], max_lifetime: int) -> None:
    """`exp - iat` within the configured token lifetime (both are present and numeric: the
    claims registry checked them)."""
    exp, iat = claims["exp"], claims["iat"]
    if isinstance(exp, bool) or isinstance(iat, bool):
        raise InvalidToken("the token's lifetime claims are malformed")
    if exp - iat > max_lifetime:
        raise InvalidToken("the token lives longer than this service issues tokens for")


def decode(token: str, keys: KeySet, algorithms: list[str]) -> dict[str, Any]:
    try:
        return dict(jwt.decode(token, keys, algorithms=algorithms).claims)
    except (JoseError, ValueError) as error:
        raise InvalidToken("the token signature is invalid") from error


@dataclass(frozen=True, slots=True)
class _Verified:
    """A token's signature, header and claims as checked under `keys`, the key ring's parsed set
    for its kid at the time: the same object for as long as the ring's snapshot holds it."""

    keys: KeySet
    kid: str
    token: VerifiedToken


class TokenVerifier:
    def __init__(
        self,
        db: Database,
        keyring: KeyRing,
        *,
        issuer: str,
        audience: str,
        max_lifetime: int,
        clients: ClientLookup | None = None,
    ) -> None:
        self.db = db
        self.clients = clients or DirectLookup(db)
        self.keyring = keyring
        # Tokens we issue live exactly this long; a longer-lived one was not issued by this
        # service as configured, whatever key signed it.
        self.max_lifetime = max_lifetime
        self.registry = JWTClaimsRegistry(
            leeway=LEEWAY_SECONDS,
            iss={"essential": True, "value": issuer},
            aud={"essential": True, "value": audience},
            exp={"essential": True},
            iat={"essential": True},
            sub={"essential": True},
            jti={"essential": True},
            client_id={"essential": True},
            org={"essential": True},
        )
        self._verified: dict[str, _Verified] = {}

    async def verify(self, token: str) -> VerifiedToken:
        """Signature, header and claims; no database work beyond (cached) key lookup.

        The signature of a token seen before is not checked again while its key is still
        published with the same parsed key set: a retired, withdrawn or deleted key, or a reload
        of the key table, sends the token through the whole check again. The time-bound claims
        (exp, nbf, iat) are checked on every request."""
        seen = self._verified.get(token)
        if seen is not None:
            if await self.keyring.verification_keys(seen.kid) is seen.keys:
                check_claims(seen.token.claims, self.registry)
                return seen.token
            del self._verified[token]
        keys, kid, verified = await self._verify_afresh(token)
        if len(self._verified) >= VERIFIED_TOKENS_KEPT:
            del self._verified[next(iter(self._verified))]
        self._verified[token] = _Verified(keys, kid, verified)
        return verified

    def accepted_before(self, token: str) -> bool:
        """Whether this exact token passed the whole check before (and is still kept)."""
        return token in self._verified

    async def verify_afresh(self, token: str) -> VerifiedToken:
        """The whole check, signature included, whatever was seen before."""
        return (await self._verify_afresh(token))[2]

    async def _verify_afresh(self, token: str) -> tuple[KeySet, str, VerifiedToken]:
        header, _ = unverified_parts(token)
        if header.get("alg") != ALGORITHM:
            raise InvalidToken("the token's algorithm is not accepted")
        if str(header.get("typ", "")).lower() not in ACCESS_TOKEN_TYPES:
            raise InvalidToken("the token is not an access token")
        kid = header.get("kid")
        if not isinstance(kid, str) or not kid:
            raise InvalidToken("the token names no key")
        keys = await self.keyring.verification_keys(kid)
        if keys is None:
            raise InvalidToken("the token was signed by an unknown key")
        claims = decode(token, keys, [ALGORITHM])
        check_claims(claims, self.registry)
        check_lifetime(claims, self.max_lifetime)
        verified = VerifiedToken(claims=claims, scopes=scope_set.parse(claims.get("scope")))
        return keys, kid, verified

    async def client_of(self, token: VerifiedToken) -> ClientRecord:
        """The token's client and organisation as they are now, and whether the token's jti was
        revoked (auth/client_cache.py: cached until any of them changes)."""
        found = await self.clients.find(token.client_id, token.jti)
        if found is None:
            raise InvalidToken("the token's client does not exist")
        record, token_revoked = found
        if token_revoked:
            raise InvalidToken("the token has been revoked")
        if record.revoked:
            raise InvalidToken("the token's client has been revoked")
        if str(record.org.id) != str(token.claims["org"]):
            raise InvalidToken("the token's organisation does not match its client")
        return record

    async def check(self, token: str) -> tuple[VerifiedToken, ClientRecord]:
        verified = await self.verify(token)
        return verified, await self.client_of(verified)
