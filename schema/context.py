"""Per-request GraphQL context: the caller, the database and the request's DataLoaders."""

from dataclasses import dataclass, field
from typing import Any

from starlette.requests import Request

from catalog.core.db import Database
from catalog.core.principal import Principal
from search.backend import SearchBackend

# Where resolvers leave entries for the response's top-level `extensions` (request state).
RESPONSE_EXTENSIONS = "response_extensions"


@dataclass
class Context:
    request: Request
    response: Any
    db: Database
    principal: Principal
    settings: Any
    loaders: dict[str, Any] = field(default_factory=dict)
    search: SearchBackend | None = None
    request_id: str = ""

    def report(self, key: str, value: Any) -> None:
        """Add `key` to the response's top-level `extensions` (the HTTP layer writes them)."""
        state = self.request.scope.setdefault("state", {})
        state.setdefault(RESPONSE_EXTENSIONS, {})[key] = value
