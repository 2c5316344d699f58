"""The OAuth HTTP endpoints: token, discovery metadata and JWKS."""

import asyncio
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from functools import partial
from typing import Any, TypeVar
from urllib.parse import parse_qsl

from authlib.oauth2.rfc6749.util import extract_basic_authorization
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from auth import scopes as scope_set
from auth.clients import load_clients
from auth.config import MAX_TOKEN_LIFETIME_SECONDS, AuthSettings
from auth.errors import InvalidToken
from auth.forms import (
    NO_STORE,
    BodyTooLarge,
    MalformedCredentials,
    basic_credentials,
    bounded,
    declared_too_large,
    invalid_client,
    oauth_error,
    too_large,
)
from auth.introspection import FoundToken, Introspection, Revocation, deny
from auth.keys import ALGORITHM, KeyRing
from auth.server import AUTH_METHODS, AccessTokenGenerator, StarletteOAuth2Request, TokenServer
from auth.transport import TransportPolicy
from auth.verify import TokenVerifier
from catalog.core.db import Database

T = TypeVar("T")

# Client authentication runs scrypt (16 MiB, tens of milliseconds per check) off the event
# loop, on two threads of its own: a burst of token requests then takes at most two checks'
# worth of memory and CPU at once, and cannot occupy the default executor that search uses.
# (api/memory.py makes sure the 16 MiB buffers go back to the system afterwards.)
_SECRET_CHECKS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="oauth-secrets")


async def _off_loop(fn: Callable[..., T], *args: Any) -> T:
    return await asyncio.get_running_loop().run_in_executor(_SECRET_CHECKS, partial(fn, *args))


FORM_TYPE = "application/x-www-form-urlencoded"


async def form_items(request: Request) -> list[tuple[str, str]] | None:
    """The body as (name, value) pairs. OAuth endpoints take only url-encoded forms, which the
    standard library parses; None when the body is not one. BodyTooLarge past the limit."""
    content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type != FORM_TYPE:
        return None
    if declared_too_large(request.headers.get("content-length")):
        raise BodyTooLarge
    body = await bounded(request.stream())
    try:
        return parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=False)
    except (UnicodeDecodeError, ValueError):
        return None


def one_method(request: Request, form: dict[str, str]) -> Response | None:
    """RFC 6749 §2.3: one client authentication method per request. Basic credentials beside a
    `client_secret`, or naming another client than the form's `client_id`, are refused, as are
    Basic credentials that cannot be read at all."""
    try:
        basic = basic_credentials(request.headers)
    except MalformedCredentials as error:
        return invalid_client(str(error))
    if basic is None:
        return None
    if "client_secret" in form:
        return oauth_error(
            400, "invalid_request", "use one client authentication method per request"
        )
    if form.get("client_id", basic.client_id) != basic.client_id:
        return oauth_error(400, "invalid_request", "the request names two different clients")
    return None


def answer(status: int, body: Any, headers: dict[str, str]) -> Response:
    """authlib's answer as a response. A failed client authentication is always 401 (RFC 6749
    §5.2 allows it for every method): api/token_attempts.py counts failures by that status."""
    if isinstance(body, dict) and body.get("error") == "invalid_client" and status != 401:
        status, headers = 401, {**headers, "WWW-Authenticate": "Basic"}
    return JSONResponse(body, status_code=status, headers={**headers, **NO_STORE})


class OAuthEndpoints:
    def __init__(self, db: Database, settings: AuthSettings) -> None:
        self.db = db
        self.settings = settings
        self.transport = TransportPolicy(settings.trusted_proxies)
        self.keyring = KeyRing(
            db,
            max_lifetime=timedelta(seconds=MAX_TOKEN_LIFETIME_SECONDS),
            cache_seconds=settings.signing_key_cache_seconds,
        )
        self.verifier = TokenVerifier(
            db,
            self.keyring,
            issuer=settings.issuer,
            audience=settings.audience,
            max_lifetime=settings.token_lifetime_seconds,
        )

    async def _oauth_request(self, request: Request) -> StarletteOAuth2Request | Response:
        if not self.transport.accepts(request):
            return oauth_error(400, "invalid_request", "this endpoint requires HTTPS")
        try:
            items = await form_items(request)
        except BodyTooLarge:
            return too_large()
        if items is None:
            return oauth_error(400, "invalid_request", "expected a form-encoded body")
        if len({key for key, _ in items}) != len(items):
            return oauth_error(400, "invalid_request", "a parameter was sent more than once")
        values = dict(items)
        refused = one_method(request, values)
        if refused is not None:
            return refused
        # authlib checks the transport from the URL; the decision was made above, from the peer.
        secure = self.transport.is_https(request)
        origin = f"https://{request.url.netloc}" if secure else "http://127.0.0.1"
        return StarletteOAuth2Request(
            request.method, origin + request.url.path, request.headers, values
        )

    async def _clients_named(self, oauth_request: StarletteOAuth2Request) -> TokenServer:
        basic_id, _ = extract_basic_authorization(oauth_request.headers)
        names = {n for n in (basic_id, oauth_request.form.get("client_id")) if n}
        return TokenServer(await load_clients(self.db, names))

    async def token(self, request: Request) -> Response:
        oauth_request = await self._oauth_request(request)
        if isinstance(oauth_request, Response):
            return oauth_request
        server = await self._clients_named(oauth_request)
        server.register_token_generator(
            "default",
            AccessTokenGenerator(
                issuer=self.settings.issuer,
                audience=self.settings.audience,
                lifetime=self.settings.token_lifetime_seconds,
                key=await self.keyring.signing_key(),
            ),
        )
        # Secret hashing (scrypt) is deliberately slow: keep it off the event loop.
        status, body, headers = await _off_loop(server.create_token_response, oauth_request)
        return answer(status, body, headers)

    async def _found(self, oauth_request: StarletteOAuth2Request) -> FoundToken | None:
        """The token named in the form if it is currently valid; None for anything else, which
        both RFC 7662 and RFC 7009 answer without saying why."""
        token = oauth_request.form.get("token")
        if not token:
            return None
        try:
            verified, client = await self.verifier.check(token)
        except InvalidToken:
            return None
        return FoundToken(verified=verified, client=client)

    async def introspect(self, request: Request) -> Response:
        oauth_request = await self._oauth_request(request)
        if isinstance(oauth_request, Response):
            return oauth_request
        server = await self._clients_named(oauth_request)
        server.register_endpoint(Introspection(await self._found(oauth_request)))
        status, body, headers = await _off_loop(
            server.create_endpoint_response, Introspection.ENDPOINT_NAME, oauth_request
        )
        return answer(status, body, headers)

    async def revoke(self, request: Request) -> Response:
        oauth_request = await self._oauth_request(request)
        if isinstance(oauth_request, Response):
            return oauth_request
        server = await self._clients_named(oauth_request)
        endpoint = Revocation(await self._found(oauth_request))
        server.register_endpoint(endpoint)
        status, body, headers = await _off_loop(
            server.create_endpoint_response, Revocation.ENDPOINT_NAME, oauth_request
        )
        if status == 200 and endpoint.to_revoke and endpoint.revoked_by:
            await deny(self.db, endpoint.to_revoke, endpoint.revoked_by)
        return answer(status, body, headers)

    async def jwks(self, request: Request) -> Response:
        await self.keyring.signing_key()  # the first key exists before anyone asks for it
        return JSONResponse(
            await self.keyring.jwks(), headers={"Cache-Control": "public, max-age=60"}
        )

    async def metadata(self, request: Request) -> Response:
        issuer = self.settings.issuer.rstrip("/")
        return JSONResponse(
            {
                "issuer": self.settings.issuer,
                "token_endpoint": f"{issuer}/oauth/token",
                "jwks_uri": f"{issuer}/.well-known/jwks.json",
                "introspection_endpoint": f"{issuer}/oauth/introspect",
                "revocation_endpoint": f"{issuer}/oauth/revoke",
                "grant_types_supported": ["client_credentials"],
                "response_types_supported": [],
                "token_endpoint_auth_methods_supported": AUTH_METHODS,
                "introspection_endpoint_auth_methods_supported": AUTH_METHODS,
                "revocation_endpoint_auth_methods_supported": AUTH_METHODS,
                "scopes_supported": sorted(scope_set.ALL_SCOPES),
                "token_endpoint_auth_signing_alg_values_supported": [ALGORITHM],
            }
        )
