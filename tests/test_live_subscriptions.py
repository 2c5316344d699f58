"""GraphQL subscriptions over WebSocket with a real client (gql, graphql-transport-ws) against a
live server, on SQLite and PostgreSQL: quotes, the partner's catalogue, access ending
mid-subscription, and the handshake's refusals."""

import json
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import httpx
import pytest
import websockets
from sqlalchemy import select
from starlette.applications import Starlette
from websockets.typing import Subprotocol

from api.app import create_app
from api.settings import Settings
from auth.clients import CreatedClient, create_client, revoke_client
from auth.verify import unverified_parts
from catalog.core.db import Database
from catalog.core.enums import ProductStatus, TechTransfer
from catalog.core.ids import to_global_id
from catalog.models import Product, Release
from tests.graphql import gql
from tests.live import serve
from tests.live_clients import (
    close_code,
    subscribed,
    subscribers_gone,
    wait_for_subscribers,
    ws_url,
)
from tests.quote_graphql import DECIDE, request_vars, requested
from tests.quote_helpers import principal_of, product_for

TokenFor = Callable[..., Awaitable[str]]
PROTOCOL, LEGACY = Subprotocol("graphql-transport-ws"), Subprotocol("graphql-ws")

QUOTES = """subscription($id: ID) { quoteRequestUpdated(id: $id) {
  id status quantity licensingCase { status } } }"""
CATALOGUE = """subscription { catalogueChanged { change product { id name listing { id } } } }"""
RELEASE = """mutation($input: ProductCountriesInput!) {
  releaseProduct(input: $input) { product { id } errors { code message } } }"""
REVOKE = """mutation($input: ProductCountriesInput!) {
  revokeRelease(input: $input) { product { id } errors { code message } } }"""


@pytest.fixture
async def live(settings: Settings, seeded: Database) -> AsyncIterator[tuple[str, Starlette]]:
    """A live server and its app (the test waits on its hub's subscriptions)."""
    app = create_app(settings)
    with serve(app) as url:
        yield url, app


async def _decide(api: httpx.AsyncClient, token: str, case_id: str) -> dict[str, Any]:
    variables = {"input": {"caseId": case_id, "decision": "APPROVE", "reason": "checked"}}
    payload = (await gql(api, token, DECIDE, variables))["data"]["decideCase"]
    assert payload["errors"] == [], payload
    return payload


async def unreleased_product(db: Database, country: str) -> Product:
    """A published product with no live release to `country`."""
    live_to_country = select(Release.product_id).where(
        Release.country == country,
        Release.revoked_at.is_(None),  # type: ignore[union-attr]
    )
    async with db.read() as session:
        product = await session.scalar(
            select(Product)
            .where(
                Product.status == ProductStatus.PUBLISHED,
                Product.id.not_in(live_to_country),  # type: ignore[attr-defined]
            )
            .order_by(Product.name)
            .limit(1)
        )
    assert product is not None
    return product


async def test_partner_follows_its_quote_through_four_eyes(
    live: tuple[str, Starlette], api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    url, app = live
    partner, other = await token_for("demo-partner-PL"), await token_for("demo-partner-DE")
    officer_a, officer_b = await token_for("demo-licensing"), await token_for("demo-licensing")
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl, tech_transfer=TechTransfer.MAINTENANCE)
    async with (
        subscribed(url, partner, QUOTES) as mine,
        subscribed(url, other, QUOTES) as theirs,
    ):
        await wait_for_subscribers(app, 2)
        quote = await requested(api, partner, request_vars(product.id))
        assert quote["licensingCase"]["approvalsRequired"] == 2
        first = (await mine.next())["quoteRequestUpdated"]
        assert first["id"] == quote["id"] and first["status"] == "LICENSING_REVIEW"

        await _decide(api, officer_a, quote["licensingCase"]["id"])
        await _decide(api, officer_b, quote["licensingCase"]["id"])
        statuses = [first["status"]]
        while statuses[-1] != "LICENSED":
            event = (await mine.next())["quoteRequestUpdated"]
            assert event["id"] == quote["id"]
            statuses.append(event["status"])
        assert statuses[0] == "LICENSING_REVIEW" and statuses[-1] == "LICENSED"

        # The other partner heard nothing of it: the first event it gets is its own quote's
        # (events arrive in commit order).
        de = await principal_of(db, "demo-partner-DE")
        own = await requested(
            api, other, request_vars((await product_for(db, de)).id, deliveryCountry="DE")
        )
        heard = (await theirs.next())["quoteRequestUpdated"]
        assert heard["id"] == own["id"]
    await subscribers_gone(app)  # the server lets go of the clients' subscriptions


async def test_one_quote_by_id_and_query_limits(
    live: tuple[str, Starlette], api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    url, app = live
    partner = await token_for("demo-partner-PL")
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl)
    first = await requested(api, partner, request_vars(product.id))
    async with subscribed(url, partner, QUOTES, {"id": first["id"]}) as one:
        await wait_for_subscribers(app, 1)
        await requested(api, partner, request_vars(product.id))  # another quote: not this one
        withdraw = """mutation($id: ID!) { withdrawQuote(input: {quoteRequestId: $id}) {
          quoteRequest { status } errors { code } } }"""
        await gql(api, partner, withdraw, {"id": first["id"]})
        event = (await one.next())["quoteRequestUpdated"]
        assert event == {**event, "id": first["id"], "status": "WITHDRAWN"}

    deep = (
        "subscription { quoteRequestUpdated { "
        + "product { manufacturer { products(first: 1) { edges { node { " * 4
        + "id"
        + " } } } } }" * 4
        + " } }"
    )
    async with subscribed(url, partner, deep) as refused:
        error = await refused.until()
    assert error is not None and "depth" in str(error).lower()


async def test_catalogue_changes_for_the_partners_country_only(
    live: tuple[str, Starlette], api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    url, app = live
    curator = await token_for("demo-curator")
    pl_token, de_token = await token_for("demo-partner-PL"), await token_for("demo-partner-DE")
    product = await unreleased_product(db, "PL")
    product_id = to_global_id("Product", product.id)
    async with (
        subscribed(url, pl_token, CATALOGUE) as pl,
        subscribed(url, de_token, CATALOGUE) as de,
    ):
        await wait_for_subscribers(app, 2)
        released = await gql(
            api, curator, RELEASE, {"input": {"productId": product_id, "countries": ["PL"]}}
        )
        assert released["data"]["releaseProduct"]["errors"] == []
        added = (await pl.next())["catalogueChanged"]
        assert added == {
            "change": "ADDED",
            "product": {"id": product_id, "name": product.name, "listing": {"id": product_id}},
        }

        revoked = await gql(
            api, curator, REVOKE, {"input": {"productId": product_id, "countries": ["PL"]}}
        )
        assert revoked["data"]["revokeRelease"]["errors"] == []
        removed = (await pl.next())["catalogueChanged"]
        assert removed == {
            "change": "REMOVED",
            "product": {"id": product_id, "name": None, "listing": None},
        }

        # Germany heard nothing of the Polish release: its first event is its own.
        german = await unreleased_product(db, "DE")
        german_id = to_global_id("Product", german.id)
        await gql(api, curator, RELEASE, {"input": {"productId": german_id, "countries": ["DE"]}})
        heard = (await de.next())["catalogueChanged"]
        assert heard["change"] == "ADDED" and heard["product"]["id"] == german_id


async def test_revoking_the_client_ends_the_subscription(
    live: tuple[str, Starlette], api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    url, app = live
    partner, curator = await token_for("demo-partner-PL"), await token_for("demo-curator")
    client_id = unverified_parts(partner)[1]["client_id"]
    async with subscribed(url, partner, CATALOGUE) as watching:
        await wait_for_subscribers(app, 1)
        await revoke_client(db, client_id)
        product = await unreleased_product(db, "PL")
        product_id = to_global_id("Product", product.id)
        await gql(api, curator, RELEASE, {"input": {"productId": product_id, "countries": ["PL"]}})
        error = await watching.until()
        assert watching.results.empty(), "nothing is delivered after the client was revoked"
    assert close_code(error) == 4403


async def test_a_connection_without_a_valid_token_is_closed_with_4401(
    live: tuple[str, Starlette], token_for: TokenFor
) -> None:
    url, _ = live
    for token in (None, "not-a-token"):
        async with subscribed(url, token, CATALOGUE) as refused:
            error = await refused.until()
        assert close_code(error) == 4401


async def test_the_legacy_protocol_is_refused(
    live: tuple[str, Starlette], token_for: TokenFor
) -> None:
    url, _ = live
    with pytest.raises(websockets.InvalidStatus) as refused:
        async with websockets.connect(ws_url(url), subprotocols=[LEGACY]):
            pass
    assert refused.value.response.status_code == 403


async def test_a_fresh_token_in_a_ping_keeps_the_connection(
    live: tuple[str, Starlette], api: httpx.AsyncClient, seeded: Database, token_for: TokenFor
) -> None:
    """The protocol by hand: init, then a ping carrying a new token of the same client is
    answered with a pong; a token of another client in a ping closes the connection (4403)."""
    url, _ = live
    client = await create_client(seeded, org_slug="demo-partner-PL", scopes=None, name="pinger")
    token, fresh = [await client_token(api, client) for _ in range(2)]
    stranger = await token_for("demo-partner-PL")
    async with websockets.connect(ws_url(url), subprotocols=[PROTOCOL]) as socket:
        await socket.send(message("connection_init", token))
        assert json.loads(await socket.recv()) == {"type": "connection_ack"}
        await socket.send(message("ping", fresh))
        assert json.loads(await socket.recv()) == {"type": "pong"}
        await socket.send(message("ping", stranger))
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()
    assert closed.value.rcvd is not None and closed.value.rcvd.code == 4403


def message(kind: str, token: str) -> str:
    return json.dumps({"type": kind, "payload": {"Authorization": f"Bearer {token}"}})


async def client_token(api: httpx.AsyncClient, client: CreatedClient) -> str:
    response = await api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client.client_id, client.client_secret),
    )
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


CASES = """subscription($queue: String) { licensingCaseUpdated(queue: $queue) {
  id queue status quoteRequest { id } } }"""


async def test_officers_follow_their_queue_and_partners_may_not(
    live: tuple[str, Starlette], api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    url, app = live
    partner, officer = await token_for("demo-partner-PL"), await token_for("demo-licensing")
    product = await product_for(db, await principal_of(db, "demo-partner-PL"))
    first = await requested(api, partner, request_vars(product.id))
    queue = first["licensingCase"]["queue"]
    async with (
        subscribed(url, officer, CASES, {"queue": queue}) as queued,
        subscribed(url, officer, CASES, {"queue": "NO-SUCH-QUEUE"}) as elsewhere,
        subscribed(url, partner, CASES) as refused,
    ):
        error = await refused.until()
        assert error is not None and "licensing:review" in str(error)
        await wait_for_subscribers(app, 2)
        second = await requested(api, partner, request_vars(product.id))
        case = (await queued.next())["licensingCaseUpdated"]
        assert case["quoteRequest"]["id"] == second["id"] and case["queue"] == queue
        assert case["status"] == "OPEN"
        assert elsewhere.results.empty() and not elsewhere.ended.is_set()
