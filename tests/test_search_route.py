"""The Meilisearch search route (search/meili_route.py) does only the search's own work per
call: over its kept-alive connection, nothing is looked up on the import path (httpcore asks
which event loop runs on every lock it takes; without sniffio installed it tried, and failed, to
import it each time: 33 µs, four or five times per search), and answers come uncompressed."""

import importlib.abc
import sys
import uuid
from typing import Any

import httpx
import meilisearch

from search.meili_route import SearchRoute
from search.meili_server import MeiliServer


class ImportsAsked(importlib.abc.MetaPathFinder):
    """Notes every module the import system looks for (found nowhere by this finder)."""

    def __init__(self) -> None:
        self.names: list[str] = []

    def find_spec(self, fullname: str, path: Any, target: Any = None) -> None:
        self.names.append(fullname)


async def test_a_search_over_the_kept_alive_route_imports_nothing(
    meili_server: MeiliServer,
) -> None:
    client = meilisearch.Client(meili_server.url, meili_server.master_key)
    uid = f"route-{uuid.uuid4().hex[:8]}"
    client.wait_for_task(client.create_index(uid, {"primaryKey": "id"}).task_uid)
    route = SearchRoute(meili_server.url, uid, meili_server.master_key)
    try:
        assert (await route({"q": "naval", "limit": 5}))["hits"] == []  # connected, warmed
        asked = ImportsAsked()
        sys.meta_path.insert(0, asked)
        try:
            for _ in range(3):
                assert (await route({"q": "naval", "limit": 5}))["hits"] == []
        finally:
            sys.meta_path.remove(asked)
        assert asked.names == []
    finally:
        await route.close()
        client.delete_index(uid)


async def test_answers_come_uncompressed(meili_server: MeiliServer) -> None:
    client = meilisearch.Client(meili_server.url, meili_server.master_key)
    uid = f"route-{uuid.uuid4().hex[:8]}"
    client.wait_for_task(client.create_index(uid, {"primaryKey": "id"}).task_uid)
    documents = [{"id": n, "name": f"naval drone {n}", "summary": "x" * 200} for n in range(50)]
    client.wait_for_task(client.index(uid).add_documents(documents).task_uid)
    route = SearchRoute(meili_server.url, uid, meili_server.master_key)
    encodings: list[str | None] = []

    async def note(response: httpx.Response) -> None:
        encodings.append(response.headers.get("content-encoding"))

    try:
        route._client().event_hooks["response"].append(note)
        found = await route({"q": "naval", "limit": 50, "attributesToRetrieve": ["*"]})
        assert len(found["hits"]) == 50
        assert encodings == [None]
    finally:
        await route.close()
        client.delete_index(uid)
