"""Meilisearch's search route, over one kept-alive async HTTP connection pool per event loop,
whose connections acknowledge answers at once (search/quick_acks.py).

The official client is blocking and opens a new connection for every request: run in a worker
thread, its round trip took 7 ms against Meilisearch's own 4. Searches are the hot path, so
they alone go over this route; everything else (settings, documents, tasks, health) uses the
official client (search/meili.py).
"""

import asyncio
from typing import Any

import httpx
import orjson
from meilisearch.errors import (
    MeilisearchApiError,
    MeilisearchCommunicationError,
    MeilisearchTimeoutError,
)

from search.quick_acks import QuickAckTransport


class SearchRoute:
    """POST /indexes/{uid}/search, failing with the official client's errors (the fallback
    backend tells an unreachable Meilisearch by them)."""

    def __init__(self, url: str, index_uid: str, api_key: str | None, timeout: float = 10) -> None:
        self._url = f"{url.rstrip('/')}/indexes/{index_uid}/search"
        # Meilisearch compresses an answer when asked to: over the loopback or a local network
        # compressing and decompressing ten kilobytes of facet counts costs more than sending
        # them (httpx asks for compression by default).
        self._headers = {"Content-Type": "application/json", "Accept-Encoding": "identity"}
        if api_key:
            self._headers["Authorization"] = f"Bearer {api_key}"
        self._timeout = timeout
        self._http: httpx.AsyncClient | None = None
        self._http_loop: asyncio.AbstractEventLoop | None = None

    def _client(self) -> httpx.AsyncClient:
        """A client's connections belong to the event loop that opened them."""
        loop = asyncio.get_running_loop()
        if self._http is None or self._http_loop is not loop:
            self._http = httpx.AsyncClient(
                timeout=self._timeout, headers=self._headers, transport=QuickAckTransport()
            )
            self._http_loop = loop
        return self._http

    async def close(self) -> None:
        """Close the pool, on the loop that opened it (a pool of a loop already gone holds no
        live connection: that loop closed its sockets)."""
        http, self._http = self._http, None
        opened_on, self._http_loop = self._http_loop, None
        if http is not None and opened_on is asyncio.get_running_loop():
            await http.aclose()

    async def __call__(self, params: dict[str, Any]) -> dict[str, Any]:
        try:
            response = await self._client().post(self._url, content=orjson.dumps(params))
        except httpx.TimeoutException as error:
            raise MeilisearchTimeoutError(str(error)) from error
        except httpx.TransportError as error:
            raise MeilisearchCommunicationError(str(error)) from error
        if response.status_code >= 400:
            # It reads only the status code and the body's text, which httpx's response has.
            raise MeilisearchApiError(str(response.status_code), response)  # type: ignore[arg-type]
        found: dict[str, Any] = orjson.loads(response.content)
        return found
