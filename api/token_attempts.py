"""In front of the OAuth endpoints that check client secrets (token, introspect, revoke): the
body limit, and attempts counted in the buckets of api/ratelimit.py before any secret is checked
(secret hashing is deliberately slow).

1. A body declared or arriving larger than 16 KiB gets 413 at once; the rest is never read.
2. Every request spends one attempt of its source address (429 when that bucket is empty).
3. A failed client authentication (the endpoints answer it, and only it, with 401) is counted
   against the client id it named. While a client id has failed more often than its bucket
   allows, only addresses that have not failed for it recently may try it. A stranger guessing
   from many addresses thus gets one guess per address per refill, and never locks the owner of
   the secret out: the owner's address has not failed.
"""

from collections.abc import AsyncIterator
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.ratelimit import RateLimits
from auth.forms import (
    BodyTooLarge,
    MalformedCredentials,
    basic_credentials,
    bounded,
    declared_too_large,
    too_large,
)
from auth.transport import TransportPolicy

GUARDED_PATHS = frozenset({"/oauth/token", "/oauth/introspect", "/oauth/revoke"})
# Client ids are short; a longer name cannot be one, so it is not worth a bucket of its own.
MAX_CLIENT_ID = 128


async def _chunks(receive: Receive) -> AsyncIterator[bytes]:
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return
        yield message.get("body", b"")
        if not message.get("more_body", False):
            return


def replay(body: bytes, receive: Receive) -> Receive:
    """A `receive` that yields the body already read, then what the client sends next (only a
    disconnect: the body is complete)."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": False}
        return await receive()

    return replayed


def _named_client(request: Request, form: bytes) -> str | None:
    """The client id a request names (Basic credentials, else the form); not yet verified."""
    try:
        basic = basic_credentials(request.headers)
    except MalformedCredentials:
        return None  # the endpoint refuses it without checking any secret
    if basic is not None:
        named: str | None = basic.client_id
    else:
        try:
            named = dict(parse_qsl(form.decode("utf-8"), keep_blank_values=True)).get("client_id")
        except (UnicodeDecodeError, ValueError):
            return None
    return named if named and len(named) <= MAX_CLIENT_ID else None


class TokenAttemptLimit:
    """ASGI middleware for GUARDED_PATHS, as described above."""

    def __init__(self, app: ASGIApp, limits: RateLimits, trusted_proxies: list[str]) -> None:
        self.app = app
        self.limits = limits
        self.transport = TransportPolicy(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        guarded = scope["type"] == "http" and scope["path"] in GUARDED_PATHS
        if not guarded or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        try:
            if declared_too_large(request.headers.get("content-length")):
                raise BodyTooLarge
            body = await bounded(_chunks(receive))
        except BodyTooLarge:
            await too_large()(scope, receive, send)
            return
        address = self.transport.source_address(request)
        client_id = _named_client(request, body)
        budget = await self.limits.token_attempt(client_id, address)
        if not budget.allowed:
            response = JSONResponse(
                {
                    "error": "slow_down",
                    "error_description": f"too many attempts; retry after {budget.retry_after} s",
                },
                status_code=429,
                headers={"Retry-After": str(budget.retry_after), "Cache-Control": "no-store"},
            )
            await response(scope, receive, send)
            return
        status = 0

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        await self.app(scope, replay(body, receive), noting_status)
        if status == 401 and client_id:
            await self.limits.token_failure(client_id, address)
