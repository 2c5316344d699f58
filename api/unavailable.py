"""One answer for "the database cannot be reached right now", whichever route met it: HTTP 503
with Retry-After, in the route's own error format, instead of a 500 or a hung request. How
long a request may wait for a connection is bounded in catalog/core/db.py."""

from starlette.responses import JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from catalog.core.db import is_unavailable

SERVICE_UNAVAILABLE = "SERVICE_UNAVAILABLE"
RETRY_AFTER_SECONDS = 2
MESSAGE = "the service cannot reach its database right now; retry shortly"


class DatabaseUnavailable(Exception):
    """Raised where a database failure was caught and turned into a value (a GraphQL error),
    so that it reaches the middleware below like any other."""


def unavailable_response(path: str) -> Response:
    headers = {"Retry-After": str(RETRY_AFTER_SECONDS), "Cache-Control": "no-store"}
    if path.startswith("/oauth/"):
        body: dict[str, object] = {"error": "temporarily_unavailable", "error_description": MESSAGE}
    else:
        body = {"errors": [{"message": MESSAGE, "extensions": {"code": SERVICE_UNAVAILABLE}}]}
    return JSONResponse(body, status_code=503, headers=headers)


class UnavailableDatabase:
    """ASGI middleware: a database-unavailable error that escapes a route becomes a 503."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = False

        async def sending(message: Message) -> None:
            nonlocal started
            started = started or message["type"] == "http.response.start"
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as error:
            if started or not (isinstance(error, DatabaseUnavailable) or is_unavailable(error)):
                raise
            await unavailable_response(scope["path"])(scope, receive, send)
