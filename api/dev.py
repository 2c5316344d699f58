"""Dev-only routes for the demo web page. Outside `MARKET_ENV=dev` they do not exist (404)."""

import json

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from api.settings import Settings

NO_STORE = {"Cache-Control": "no-store"}


async def demo_clients(request: Request) -> Response:
    """The demo organisations' client credentials, so the page can offer them in a drop-down."""
    settings: Settings = request.app.state.settings
    if not settings.is_dev:
        return JSONResponse({"error": "not found"}, status_code=404)
    path = settings.demo_credentials_file
    try:
        credentials = json.loads(await run_in_threadpool(path.read_text))
    except FileNotFoundError:
        return JSONResponse({"clients": []}, headers=NO_STORE)
    clients = [
        {"slug": slug, "clientId": pair["client_id"], "clientSecret": pair["client_secret"]}
        for slug, pair in sorted(credentials.items())
    ]
    return JSONResponse({"clients": clients}, headers=NO_STORE)


def dev_routes() -> list[Route]:
    return [Route("/dev/demo-clients", demo_clients)]
