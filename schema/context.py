"""Per-request GraphQL context: the caller, the database and the request's DataLoaders."""

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from catalog.core.db import Database
from catalog.core.live import LiveFeed
from catalog.core.principal import Principal
from schema.document import PreparedDocument
from search.backend import SearchBackend


@dataclass
class Context:
    request: Request
    response: Any  # unused by the service; kept for callers that build a context themselves
    db: Database
    principal: Principal
    settings: Any
    loaders: dict[str, Any] = field(default_factory=dict)
    search: SearchBackend | None = None
    request_id: str = ""
    # The document as the HTTP pipeline parsed and measured it (None: execution parses it).
    prepared: PreparedDocument | None = None
    # Entries for the response's top-level `extensions`, which the HTTP pipeline writes.
    reported: dict[str, Any] = field(default_factory=dict)
    # Committed events for subscriptions (only over WebSocket; None over HTTP).
    live: LiveFeed | None = None

    def report(self, key: str, value: Any) -> None:
        """Add `key` to the response's top-level `extensions`."""
        self.reported[key] = value
