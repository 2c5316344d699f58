"""GraphQL over WebSocket at `/graphql`: the `graphql-transport-ws` protocol (graphql-ws,
Apollo, urql) and nothing else; the legacy `graphql-ws` subprotocol is refused at the handshake.

Why not Strawberry's own handler: access here is a property of every event, not only of the
connection. The token comes in `connection_init` (`{"Authorization": "Bearer …"}`) and no
operation runs before it was checked (4401 otherwise); it is checked again before each event
is delivered and at least every `graphql_ws_recheck_seconds`, and a revoked token or client,
a suspended organisation or an expired token closes the connection with 4403. A `ping` whose
payload carries a fresh token of the same client replaces the token, so a connection outlives
the token it started with. Documents go through the same parsing, limits and cost budget as
over HTTP (schema/document.py, api/graphql/admission.py).
"""

import asyncio
import contextlib
import json
import time
from collections import Counter
from collections.abc import AsyncIterator
from typing import Any

import strawberry
from starlette.types import Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState
from strawberry.types.execution import ExecutionResult, PreExecutionError
from strawberry.types.graphql import OperationType

from api.graphql.admission import Admission
from api.graphql.live_checks import AccessEnded, Payloads, SharedLoaders, Sweeper, TokenChecks
from api.graphql.transport import GraphQLParams
from api.ratelimit import RateLimits
from api.settings import Settings
from auth.errors import InvalidToken
from auth.service import Authenticator
from auth.verify import unverified_parts
from catalog.access import keeps_live_access
from catalog.core.db import Database
from catalog.core.live import LiveEvent, SlowConsumer
from catalog.core.principal import Principal
from notify.live import LiveHub
from schema.context import Context
from search.backend import SearchBackend

PROTOCOL = "graphql-transport-ws"
OPERATIONS = (OperationType.QUERY, OperationType.MUTATION, OperationType.SUBSCRIPTION)
# Close codes: those of graphql-transport-ws, and 1008 (policy) for the limits of this service.
BAD_REQUEST, UNAUTHORIZED, FORBIDDEN, INIT_TIMEOUT = 4400, 4401, 4403, 4408
DUPLICATE_ID, TOO_MANY_INITS, POLICY, TOO_BIG = 4409, 4429, 1008, 1009


class GraphQLWebSocket:
    """The ASGI app behind `/graphql` for WebSocket connections."""

    def __init__(
        self,
        schema: strawberry.Schema,
        db: Database,
        settings: Settings,
        authenticator: Authenticator,
        limits: RateLimits,
        hub: LiveHub,
        search: SearchBackend | None = None,
    ) -> None:
        self.schema = schema
        self.db = db
        self.settings = settings
        self.authenticator = authenticator
        self.admission = Admission(schema._schema, settings, limits)
        self.hub = hub
        self.search = search
        self.checks = TokenChecks(authenticator)
        self.sweeper = Sweeper(settings.graphql_ws_recheck_seconds)
        self.payloads = Payloads()
        self.loaders = SharedLoaders()
        self.connections: Counter[str] = Counter()

    async def close(self) -> None:
        await self.sweeper.close()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        websocket = WebSocket(scope, receive, send)
        if PROTOCOL not in scope.get("subprotocols", []):
            await websocket.close(code=POLICY, reason=f"only the {PROTOCOL} subprotocol")
            return  # closed before the handshake: the client gets HTTP 403
        await websocket.accept(subprotocol=PROTOCOL)
        await Connection(self, websocket).run()


class Connection:
    def __init__(self, endpoint: GraphQLWebSocket, websocket: WebSocket) -> None:
        self.endpoint = endpoint
        self.settings = endpoint.settings
        self.websocket = websocket
        self.principal: Principal | None = None
        self.token = ""
        self.expires_at = 0.0
        self.checked_at = time.time()
        self.client_key: str | None = None
        self.operations: dict[str, asyncio.Task[None]] = {}
        self.closed = False
        self.send_lock = asyncio.Lock()

    async def run(self) -> None:
        try:
            if not await self._initialise():
                return
            self.endpoint.sweeper.watch(self)
            while not self.closed:
                await self._handle(await self._receive())
        except WebSocketDisconnect:
            pass
        finally:
            self.closed = True
            self.endpoint.sweeper.forget(self)
            for task in list(self.operations.values()):
                task.cancel()
            if self.client_key is not None:
                self.endpoint.connections[self.client_key] -= 1
                if self.endpoint.connections[self.client_key] <= 0:
                    del self.endpoint.connections[self.client_key]

    async def _receive(self) -> dict[str, Any] | None:
        """The next message as an object; None for one that is not a JSON object (a binary
        frame, say). A message over the GraphQL body limit closes the connection (1009)."""
        received = await self.websocket.receive()
        if received["type"] == "websocket.disconnect":
            raise WebSocketDisconnect(received.get("code", 1000))
        text = received.get("text")
        if not isinstance(text, str):
            return None
        if len(text) > self.settings.graphql_max_body_bytes:
            await self.end(TOO_BIG, "message too big")
            raise WebSocketDisconnect(TOO_BIG)
        try:
            message = json.loads(text)
        except ValueError:
            return None
        return message if isinstance(message, dict) and "type" in message else None

    async def _initialise(self) -> bool:
        try:
            message = await asyncio.wait_for(self._receive(), self.settings.graphql_ws_init_seconds)
        except TimeoutError:
            await self.end(INIT_TIMEOUT, "Connection initialisation timeout")
            return False
        if message is None or message["type"] != "connection_init":
            subscribing = message is not None and message["type"] == "subscribe"
            await self.end(UNAUTHORIZED if subscribing else BAD_REQUEST, "Unauthorized")
            return False
        try:
            self.principal = await self._authenticate(message.get("payload"))
        except InvalidToken as error:
            await self.end(UNAUTHORIZED, error.description)
            return False
        if not keeps_live_access(self.principal):
            await self.end(FORBIDDEN, "Forbidden")
            return False
        key = self.principal.client_id or self.principal.subject
        if self.endpoint.connections[key] >= self.settings.graphql_ws_max_connections_per_client:
            await self.end(POLICY, "too many connections for this client")
            return False
        self.endpoint.connections[key] += 1
        self.client_key = key
        await self.send({"type": "connection_ack"})
        return True

    async def _authenticate(self, payload: Any) -> Principal:
        token = bearer(payload)
        principal = await self.endpoint.authenticator.authenticate_token(token)
        self.token = token
        self.expires_at = float(unverified_parts(token)[1].get("exp", 0))
        return principal

    async def _handle(self, message: dict[str, Any] | None) -> None:
        kind = message["type"] if message is not None else None
        if message is None:
            await self.end(BAD_REQUEST, "Invalid message")
        elif kind == "ping":
            if await self._refresh(message.get("payload")):
                await self.send({"type": "pong"})
        elif kind == "pong":
            pass
        elif kind == "connection_init":
            await self.end(TOO_MANY_INITS, "Too many initialisation requests")
        elif kind == "subscribe":
            await self._subscribe(message)
        elif kind == "complete":
            task = self.operations.pop(str(message.get("id")), None)
            if task is not None:
                task.cancel()
        else:
            await self.end(BAD_REQUEST, f"Unknown message type {kind!r}")

    async def _refresh(self, payload: Any) -> bool:
        """A ping may carry a fresh token of the same client and organisation."""
        if not isinstance(payload, dict) or not payload.get("Authorization"):
            return True
        before = self.principal
        try:
            principal = await self._authenticate(payload)
        except InvalidToken as error:
            await self.end(FORBIDDEN, error.description)
            return False
        assert before is not None
        same = (principal.client_id, principal.org_id) == (before.client_id, before.org_id)
        if not same or not keeps_live_access(principal):
            await self.end(FORBIDDEN, "the new token is for another client")
            return False
        self.principal = principal
        return True

    async def _subscribe(self, message: dict[str, Any]) -> None:
        op_id, payload = message.get("id"), message.get("payload")
        if not isinstance(op_id, str) or not op_id or not isinstance(payload, dict):
            await self.end(BAD_REQUEST, "Invalid message")
            return
        if op_id in self.operations:
            await self.end(DUPLICATE_ID, f"Subscriber for {op_id} already exists")
            return
        query, variables = payload.get("query"), payload.get("variables")
        if not isinstance(query, str) or not isinstance(variables, dict | None):
            await self.send_error(op_id, "the subscribe payload needs a `query` string")
            return
        if len(self.operations) >= self.settings.graphql_ws_max_operations:
            await self.send_error(op_id, "too many operations on this connection")
            return
        operation_name = payload.get("operationName")
        params = GraphQLParams(query, variables, operation_name, None)
        task = asyncio.create_task(self._operate(op_id, params))
        self.operations[op_id] = task
        task.add_done_callback(lambda _: self._forget(op_id, task))

    def _forget(self, op_id: str, task: asyncio.Task[None]) -> None:
        if self.operations.get(op_id) is task:
            del self.operations[op_id]

    async def _operate(self, op_id: str, params: GraphQLParams) -> None:
        assert self.principal is not None
        admission = self.endpoint.admission
        prepared = admission.prepare(params)
        budget = await admission.charge(self.principal, prepared.cost)
        if budget is not None and not budget.allowed:
            await self.send_error(op_id, f"rate limited: retry after {budget.retry_after} s")
            return
        context = Context(
            request=self.websocket,  # type: ignore[arg-type]  # a WebSocket, which Context types as Request (same headers, client)
            response=None,
            db=self.endpoint.db,
            principal=self.principal,
            settings=self.settings,
            search=self.endpoint.search,
            prepared=prepared,
        )
        context.live = ConnectionFeed(self, context)
        stream = await self.endpoint.schema.stream(
            params.query,
            variable_values=params.variables,
            context_value=context,
            operation_name=params.operation_name,
            allowed_operation_types=OPERATIONS,
        )
        try:
            first = True
            async for result in stream:
                if not isinstance(result, ExecutionResult):
                    await self.send_error(op_id, "incremental delivery is not supported")
                    return
                if first and isinstance(result, PreExecutionError):
                    await self.send_error(op_id, *[e.formatted for e in result.errors or []])
                    return
                first = False
                payload = self.endpoint.payloads.text(result)
                await self.send_text(
                    f'{{"type":"next","id":{json.dumps(op_id)},"payload":{payload}}}'
                )
        except (AccessEnded, SlowConsumer):
            return
        finally:
            await stream.aclose()
        await self.send({"type": "complete", "id": op_id})

    def due(self, now: float, every: float) -> bool:
        """Whether access must be checked again although no event came."""
        return now >= self.expires_at or now - self.checked_at >= every

    async def recheck(self, event_id: int | None) -> Principal:
        """The caller as it is now; closes the connection (4403) and raises `AccessEnded` when
        it may no longer read."""
        if self.closed:
            raise AccessEnded
        if time.time() >= self.expires_at:
            await self.end(FORBIDDEN, "the access token has expired")
            raise AccessEnded
        try:
            principal = await self.endpoint.checks.check(self.token, event_id)
        except InvalidToken as error:
            await self.end(FORBIDDEN, error.description)
            raise AccessEnded from error
        if not keeps_live_access(principal):
            await self.end(FORBIDDEN, "the organisation may no longer read")
            raise AccessEnded
        self.principal = principal
        self.checked_at = time.time()
        return principal

    async def send(self, message: dict[str, Any]) -> None:
        await self.send_text(json.dumps(message, default=str))

    async def send_text(self, text: str) -> None:
        if self.closed:
            return
        async with self.send_lock:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await self.websocket.send_text(text)

    async def send_error(self, op_id: str, *errors: Any) -> None:
        payload = [e if isinstance(e, dict) else {"message": str(e)} for e in errors]
        await self.send({"type": "error", "id": op_id, "payload": payload})

    async def end(self, code: int, reason: str) -> None:
        """Close the connection; its operations stop at their next step."""
        if self.closed:
            return
        self.closed = True
        if self.websocket.application_state != WebSocketState.DISCONNECTED:
            with contextlib.suppress(WebSocketDisconnect, RuntimeError, OSError):
                await self.websocket.close(code=code, reason=reason[:120])
        current = asyncio.current_task()
        for task in list(self.operations.values()):
            if task is not current:
                task.cancel()


class ConnectionFeed:
    """The `LiveFeed` of one operation: the hub's events of its topics, each delivered only
    after the connection's caller was checked again (then the context holds that caller)."""

    def __init__(self, connection: Connection, context: Context) -> None:
        self.connection = connection
        self.context = context

    async def events(self, topics: frozenset[str]) -> AsyncIterator[LiveEvent]:
        connection = self.connection
        async with connection.endpoint.hub.subscribe(topics) as subscriber:
            while not connection.closed:
                try:
                    event = await subscriber.next()
                except SlowConsumer:
                    await connection.end(POLICY, "slow consumer: too many events queued")
                    raise
                principal = await connection.recheck(event.id)
                self.context.principal = principal
                # Each event reads the rows as they are now, once for equal callers.
                self.context.loaders = connection.endpoint.loaders.of(event.id, principal)
                yield event


def bearer(payload: Any) -> str:
    """The token of `connection_init`'s (or a ping's) payload: `{"Authorization": "Bearer …"}`."""
    header = (
        payload.get("Authorization") or payload.get("authorization")
        if isinstance(payload, dict)
        else None
    )
    if not isinstance(header, str):
        raise InvalidToken(
            'connection_init needs {"Authorization": "Bearer <token>"}', missing=True
        )
    scheme, _, token = header.strip().partition(" ")
    if scheme.lower() != "bearer" or not token.strip() or " " in token.strip():
        raise InvalidToken("the Authorization value must be 'Bearer <token>'")
    return token.strip()
