"""Token-endpoint attempts counted per client id and per source address (the buckets of
api/ratelimit.py): beyond the allowance a token request gets 429 before any secret is checked."""

import base64
from urllib.parse import parse_qsl, unquote

from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.ratelimit import RateLimits
from auth.transport import TransportPolicy

TOKEN_ENDPOINT = "/oauth/token"  # noqa: S105 - a path, not a secret
MAX_TOKEN_FORM_BYTES = 16 * 1024


async def read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The request body, up to `limit` bytes; the flag says whether all of it was read."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if not message.get("more_body", False):
            return b"".join(chunks), True
        if size > limit:
            return b"".join(chunks), False


def replay(body: bytes, complete: bool, receive: Receive) -> Receive:
    """A `receive` that yields the bytes already read, then whatever is still to come."""
    sent = False

    async def replayed() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": not complete}
        return await receive()

    return replayed


def _named_client(request: Request, form: bytes) -> str | None:
    """The client id a token request names (Basic credentials or the form); not yet verified."""
    scheme, _, credentials = request.headers.get("authorization", "").partition(" ")
    if scheme.lower() == "basic":
        try:
            decoded = base64.b64decode(credentials, validate=True).decode()
        except ValueError:
            return None
        return unquote(decoded.partition(":")[0]) or None
    try:
        fields = dict(parse_qsl(form.decode(), keep_blank_values=True))
    except (UnicodeDecodeError, ValueError):
        return None
    return fields.get("client_id") or None


class TokenAttemptLimit:
    """ASGI middleware: token requests beyond the per-address or per-client allowance get 429
    before any secret is checked (secret hashing is deliberately slow)."""

    def __init__(self, app: ASGIApp, limits: RateLimits, trusted_proxies: list[str]) -> None:
        self.app = app
        self.limits = limits
        self.transport = TransportPolicy(trusted_proxies)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] != TOKEN_ENDPOINT or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        request = Request(scope)
        body, complete = await read_body(receive, MAX_TOKEN_FORM_BYTES)
        address = self.transport.source_address(request)
        budget = await self.limits.token_attempt(_named_client(request, body), address)
        if not budget.allowed:
            response = JSONResponse(
                {
                    "error": "slow_down",
                    "error_description": f"too many token requests; retry after "
                    f"{budget.retry_after} s",
                },
                status_code=429,
                headers={"Retry-After": str(budget.retry_after), "Cache-Control": "no-store"},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, replay(body, complete, receive), send)
