"""A webhook receiver for tests: a small Starlette app served on 127.0.0.1 by tests.live.serve.

It checks every signature against the secrets it was told, records what arrived, and answers
with the status codes it was scripted to give (then 200)."""

import asyncio
import json
import threading
from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from notify.signing import DELIVERY_HEADER, EVENT_HEADER, SIGNATURE_HEADER, verify


@dataclass
class Arrival:
    path: str
    delivery_id: str
    event: str
    body: dict[str, Any]
    signature_valid: bool
    status: int


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
        secret = self.secrets.get(request.url.path, "")
        valid = verify(secret, raw, request.headers.get(SIGNATURE_HEADER, ""))
        with self.lock:
            status = self.script.pop(0) if self.script else 200
            self.arrivals.append(
                Arrival(
                    path=request.url.path,
                    delivery_id=request.headers.get(DELIVERY_HEADER, ""),
                    event=request.headers.get(EVENT_HEADER, ""),
                    body=json.loads(raw),
                    signature_valid=valid,
                    status=status,
                )
            )
        return JSONResponse({"ok": status < 300}, status_code=status)

    def received(self, path: str | None = None) -> list[Arrival]:
        with self.lock:
            return [a for a in self.arrivals if path is None or a.path == path]
