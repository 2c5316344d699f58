"""One execution per event for identical subscriptions of equal callers.

A thousand subscriptions of one client to the same document would otherwise run the same
selection a thousand times for each event. The subscription resolvers yield, for an event, one
shared object per caller (`shared_payload`), kept in the loaders the live feed shares between
equal callers for that event (api/graphql/websocket.py); this execution context then executes
an event's document once per (payload, operation, variables) and hands every subscription the
same result. Over HTTP, and for anything but a subscription's events, it executes as usual.
"""

import asyncio
import json
from typing import Any

from strawberry.types import Info

from schema.context import Context
from schema.execution import CompiledExecutionContext

RESULTS = "live:results"


def shared_payload(info: Info[Context, Any], key: tuple[Any, ...], payload: Any) -> Any:
    """The first payload yielded under `key` for this event by an equal caller (else this one)."""
    name = "live:payload:" + ":".join(str(part) for part in key)
    return info.context.loaders.setdefault(name, payload)


class SharedEventExecutionContext(CompiledExecutionContext):
    shares_event = False

    def build_per_event_executor(self, payload: Any) -> Any:
        executor = super().build_per_event_executor(payload)
        setattr(executor, "shares_event", True)  # noqa: B010 (graphql-core types it as its base)
        return executor

    def execute_operation(self, serially: bool | None = None) -> Any:
        loaders = getattr(self.context_value, "loaders", None)
        if not self.shares_event or not isinstance(loaders, dict):
            return super().execute_operation(serially)
        memo: dict[tuple[int, int, str], tuple[Any, Any, Any]] = loaders.setdefault(RESULTS, {})
        variables = json.dumps(self.variable_values, sort_keys=True, default=str)
        key = (id(self.root_value), id(self.operation), variables)
        found = memo.get(key)
        if found is None:
            result = super().execute_operation(serially)
            if self.is_awaitable(result):
                result = asyncio.ensure_future(result)
            # The payload and operation are kept with the result: their ids stay theirs.
            found = memo[key] = (self.root_value, self.operation, result)
        result = found[2]
        return asyncio.shield(result) if isinstance(result, asyncio.Future) else result
