"""Turns a request's bearer token into a Principal, and lists the OAuth routes."""

from datetime import timedelta
from typing import Protocol

from starlette.requests import Request
from starlette.routing import Route

from auth.client_cache import client_lookup
from auth.config import MAX_TOKEN_LIFETIME_SECONDS, AuthSettings
from auth.endpoints import OAuthEndpoints
from auth.errors import InvalidToken
from auth.external import ExternalIssuers
from auth.keys import KeyRing
from auth.principals import principal_for
from auth.verify import TokenVerifier, unverified_parts
from catalog.core.db import Database
from catalog.core.principal import Principal


class Authenticator(Protocol):
    async def authenticate(self, request: Request) -> Principal: ...

    async def authenticate_token(self, token: str) -> Principal:
        """The same checks for a token that came another way (a WebSocket's init message)."""
        ...


def bearer_token(request: Request) -> str:
    header = request.headers.get("authorization", "").strip()
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer":
        # No header, or another scheme: no bearer credentials at all (RFC 6750 §3.1).
        raise InvalidToken("an access token is required", missing=True)
    token = token.strip()
    if not token or " " in token:
        raise InvalidToken("the Authorization header must be 'Bearer <token>'")
    return token


class TokenAuthenticator:
    """Per request: verify the token (cached public keys), then one query for client,
    organisation and denylist. Tokens from a trusted external issuer go to that issuer's
    rules instead; the unverified `iss` only chooses which keys and rules apply."""

    def __init__(self, verifier: TokenVerifier, external: ExternalIssuers) -> None:
        self.verifier = verifier
        self.external = external

    async def authenticate(self, request: Request) -> Principal:
        return await self.authenticate_token(bearer_token(request))

    async def authenticate_token(self, token: str) -> Principal:
        # A token the verifier accepted before is our own (it checked the issuer): only one it
        # has not seen needs its claims parsed here to find out whose rules apply.
        if not self.verifier.accepted_before(token):
            header, unverified = unverified_parts(token)
            if self.external.handles(unverified.get("iss")):
                return await self.external.authenticate(token, header, unverified)
        verified, client = await self.verifier.check(token)
        return principal_for(verified, client)


def build_verifier(db: Database, settings: AuthSettings) -> TokenVerifier:
    keyring = KeyRing(
        db,
        max_lifetime=timedelta(seconds=MAX_TOKEN_LIFETIME_SECONDS),
        cache_seconds=settings.signing_key_cache_seconds,
    )
    return TokenVerifier(
        db,
        keyring,
        issuer=settings.issuer,
        audience=settings.audience,
        max_lifetime=settings.token_lifetime_seconds,
        clients=client_lookup(db, cached=settings.auth_client_cache),
    )


def build_authenticator(db: Database, settings: AuthSettings) -> Authenticator:
    external = ExternalIssuers(db, list(settings.external_issuers), settings.issuer)
    return TokenAuthenticator(build_verifier(db, settings), external)


def auth_routes(db: Database, settings: AuthSettings) -> list[Route]:
    endpoints = OAuthEndpoints(db, settings)
    return [
        Route("/oauth/token", endpoints.token, methods=["POST"]),
        Route("/oauth/introspect", endpoints.introspect, methods=["POST"]),
        Route("/oauth/revoke", endpoints.revoke, methods=["POST"]),
        Route("/.well-known/jwks.json", endpoints.jwks, methods=["GET"]),
        Route("/.well-known/oauth-authorization-server", endpoints.metadata, methods=["GET"]),
    ]
