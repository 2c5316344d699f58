"""The audit log: `auditEvents` for curators and licensing officers, and `market verify-audit`."""

from collections.abc import Awaitable, Callable

import httpx
from sqlalchemy import func, select, update

from catalog.core.db import Database
from catalog.demo.seed import seed_demo
from catalog.models import AuditEvent
from tests.graphql import error_codes, gql
from tests.test_cli import market

HISTORY = """query($id: ID!, $first: Int, $after: String) {
  auditEvents(entityId: $id, first: $first, after: $after) {
    totalCount pageInfo { hasNextPage endCursor }
    edges { cursor node { sequence action actor actorOrganisation entityId data hash prevHash } }
} }"""
CREATE = """mutation { createProduct(input: { name: "Mule", category: GROUND_DRONE,
  summary: "Tracked carrier", controlEntry: "ML6", techTransfer: NONE, unitsAvailable: 2 }) {
  product { id } errors { code } } }"""
STEP = """mutation($id: ID!) { %s(input: { productId: $id }) { errors { code } } }"""


async def test_curators_and_licensing_page_through_an_objects_history(
    api: httpx.AsyncClient, token_for: Callable[..., Awaitable[str]]
) -> None:
    maker = await token_for("demo-manufacturer-1")
    curator = await token_for("demo-curator")
    created = await gql(api, maker, CREATE)
    product_id = created["data"]["createProduct"]["product"]["id"]
    await gql(api, maker, STEP % "submitProduct", {"id": product_id})
    await gql(api, curator, STEP % "publishProduct", {"id": product_id})

    first = (await gql(api, curator, HISTORY, {"id": product_id, "first": 2}))["data"]
    page = first["auditEvents"]
    assert page["totalCount"] == 3 and page["pageInfo"]["hasNextPage"]
    nodes = [edge["node"] for edge in page["edges"]]
    assert [n["action"] for n in nodes] == ["product.created", "product.submit"]
    assert nodes[0]["actorOrganisation"] == "demo-manufacturer-1"
    assert nodes[0]["entityId"] == product_id and nodes[0]["data"]["name"] == "Mule"
    assert nodes[0]["sequence"] < nodes[1]["sequence"]

    licensing = await token_for("demo-licensing")
    after = page["pageInfo"]["endCursor"]
    rest = (await gql(api, licensing, HISTORY, {"id": product_id, "after": after}))["data"]
    later = [edge["node"] for edge in rest["auditEvents"]["edges"]]
    assert [n["action"] for n in later] == ["product.publish"]
    assert later[0]["actorOrganisation"] == "demo-curator"
    assert not rest["auditEvents"]["pageInfo"]["hasNextPage"]


async def test_others_are_refused_and_bad_ids_are_bad_input(
    api: httpx.AsyncClient, token_for: Callable[..., Awaitable[str]]
) -> None:
    maker = await token_for("demo-manufacturer-1")
    created = await gql(api, maker, CREATE)
    product_id = created["data"]["createProduct"]["product"]["id"]
    for slug in ("demo-manufacturer-1", "demo-partner-PL"):
        token = await token_for(slug)
        refused = await gql(api, token, HISTORY, {"id": product_id}, expect_errors=True)
        assert error_codes(refused) == ["FORBIDDEN"], slug
    narrowed = await token_for("demo-curator", ["catalog:read"])
    refused = await gql(api, narrowed, HISTORY, {"id": product_id}, expect_errors=True)
    assert error_codes(refused) == ["FORBIDDEN"]

    curator = await token_for("demo-curator")
    for variables in ({"id": "not-an-id"}, {"id": product_id, "after": "bogus"}):
        bad = await gql(api, curator, HISTORY, variables, expect_errors=True)
        assert error_codes(bad) == ["BAD_USER_INPUT"]


async def test_verify_audit_reports_chain_length_and_first_broken_link(
    db: Database, database_url: str
) -> None:
    await seed_demo(db)
    async with db.read() as session:
        length = await session.scalar(select(func.count()).select_from(AuditEvent))
    intact = await market(database_url, "verify-audit")
    assert intact.returncode == 0 and f"{length} events" in intact.stderr

    async with db.write_session() as session, session.begin():
        await session.execute(update(AuditEvent).where(AuditEvent.id == 5).values(actor="mallory"))
        await session.execute(update(AuditEvent).where(AuditEvent.id == 9).values(actor="eve"))
    broken = await market(database_url, "verify-audit")
    assert broken.returncode == 1
    assert "event 5" in broken.stderr and f"chain of {length} events" in broken.stderr


PAYLOADS = """query($id: ID!) { auditEvents(entityId: $id) {
  edges { node { action actor data dataWithheld } } } }"""


async def _events(api: httpx.AsyncClient, token: str, entity_id: str) -> list[dict]:  # type: ignore[type-arg]
    body = await gql(api, token, PAYLOADS, {"id": entity_id})
    return [edge["node"] for edge in body["data"]["auditEvents"]["edges"]]


async def test_payloads_are_shown_only_to_readers_of_the_entity_they_describe(
    api: httpx.AsyncClient, db: Database, token_for: Callable[..., Awaitable[str]]
) -> None:
    """A curator (no `quotes:read`, no `licensing:review`) learns that a quote and its case
    changed, not what they hold; licensing reads both. Licensing (no `partners:vet`) does not
    read a partner's vetting record, however the partner's ID is spelled."""
    from schema.relay import to_global_id
    from tests.quote_graphql import request_vars, requested
    from tests.quote_helpers import principal_of, product_for

    partner = await token_for("demo-partner-PL")
    curator = await token_for("demo-curator")
    licensing = await token_for("demo-licensing")
    product = await product_for(db, await principal_of(db, "demo-partner-PL"))
    quote = await requested(api, partner, request_vars(product.id, endUser="Unit 7 secret"))
    for entity in (quote["id"], quote["licensingCase"]["id"]):
        hidden = await _events(api, curator, entity)
        assert hidden and all(e["data"] == {} and e["dataWithheld"] for e in hidden), hidden
        assert all(e["action"] and e["actor"] for e in hidden)
        shown = await _events(api, licensing, entity)
        assert [e["action"] for e in shown] == [e["action"] for e in hidden]
        assert any(e["data"] for e in shown) and not any(e["dataWithheld"] for e in shown)
    assert "Unit 7 secret" not in str(await _events(api, curator, quote["id"]))

    pl = await principal_of(db, "demo-partner-PL")
    assert pl.org_id is not None
    suspend = """mutation($id: ID!) { suspendPartner(input: {organisationId: $id,
      reason: "end-user check pending"}) { errors { code } } }"""
    done = await gql(api, curator, suspend, {"id": to_global_id("Partner", pl.org_id)})
    assert done["data"]["suspendPartner"]["errors"] == []
    for spelled in ("Partner", "Manufacturer"):
        entity = to_global_id(spelled, pl.org_id)
        withheld = await _events(api, licensing, entity)
        assert withheld and all(e["dataWithheld"] for e in withheld), (spelled, withheld)
        assert "end-user check pending" not in str(withheld)
    vetted = await _events(api, curator, to_global_id("Partner", pl.org_id))
    assert "end-user check pending" in str(vetted)
    product_events = await _events(api, curator, to_global_id("Product", product.id))
    assert product_events and not any(e["dataWithheld"] for e in product_events)
