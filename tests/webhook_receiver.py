"""A webhook receiver for tests: a small Starlette app served on 127.0.0.1 by tests.live.serve.

It verifies every delivery with the `standardwebhooks` library (as a receiver of ours would),
against the secret it was told for the path, records what arrived, and answers with the status
codes it was scripted to give (then 200)."""

import asyncio
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from standardwebhooks import Webhook
from standardwebhooks.webhooks import WebhookVerificationError
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


@dataclass
class Arrival:
    path: str
    delivery_id: str
    event: str
    body: dict[str, Any]
    raw: bytes
    headers: dict[str, str]
    signature_valid: bool
    status: int


def verifies(secret: str, raw: bytes, headers: dict[str, str]) -> bool:
    try:
        Webhook(secret).verify(raw, headers)
    except (WebhookVerificationError, ValueError):
        return False
    return True


@dataclass
class Receiver:
    secrets: dict[str, str] = field(default_factory=dict)  # path → secret
    script: list[int] = field(default_factory=list)  # status codes to answer first
    delay_seconds: float = 0.0
    arrivals: list[Arrival] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/{name}", self.handle, methods=["POST"])])

    async def handle(self, request: Request) -> Response:
        raw = await request.body()
        if self.delay_seconds:
            await asyncio.sleep(self.delay_seconds)  # a slow receiver
        headers = dict(request.headers)
        secret = self.secrets.get(request.url.path)
        valid = secret is not None and verifies(secret, raw, headers)
        body = json.loads(raw)
        with self.lock:
            status = self.script.pop(0) if self.script else 200
            self.arrivals.append(
                Arrival(
                    path=request.url.path,
                    delivery_id=headers.get("webhook-id", ""),
                    event=body.get("event", ""),
                    body=body,
                    raw=raw,
                    headers=headers,
                    signature_valid=valid,
                    status=status,
                )
            )
        # A redirect points at another path of ours: following it would be a second arrival.
        moved = {"Location": "/redirected"} if 300 <= status < 400 else None
        return JSONResponse({"ok": status < 300}, status_code=status, headers=moved)

    def received(self, path: str | None = None) -> list[Arrival]:
        with self.lock:
            return [a for a in self.arrivals if path is None or a.path == path]
