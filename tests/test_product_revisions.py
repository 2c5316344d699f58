"""Reviewed revisions of published listings, through GraphQL over HTTP with real tokens
(SQLite and PostgreSQL): an edit of a published listing stays invisible to partners until a
curator approves it, then shows in `product`, `products` and `search` at once."""

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from api.app import create_app
from api.settings import Settings
from catalog.core.db import Database
from search.indexer import index_pending, rebuild
from search.meili import MeiliSearch
from search.meili_server import MeiliServer
from tests.graphql import error_codes, gql

Tokens = Callable[..., Awaitable[str]]

CREATE = """mutation($input: CreateProductInput!) {
  createProduct(input: $input) { product { id } errors { code } } }"""
STEP = """mutation($id: ID!) { %s(input: {productId: $id}) {
  product { status } errors { field code } } }"""
RELEASE = """mutation($id: ID!) { releaseProduct(input: {productId: $id, countries: ["PL"]}) {
  errors { code } } }"""
UPDATE = """mutation($input: UpdateProductInput!) { updateProduct(input: $input) {
  product { name summary unitsAvailable
    pendingRevision { id status requiresLicensingReview changes { field before after } } }
  errors { field code } } }"""
APPROVE = """mutation($id: ID!) { approveRevision(input: {revisionId: $id}) {
  revision { id status decidedAt } product { name } errors { field code } } }"""
REJECT = """mutation($id: ID!, $note: String!) { rejectRevision(input: {revisionId: $id,
  note: $note}) { revision { status note decidedAt } product { name } errors { field code } } }"""
SEEN = """query($id: ID!, $text: String!) {
  product(id: $id) { name summary }
  products(first: 100, filter: {text: $text}) { edges { node { id } } }
  search(query: $text) { edges { node { id name } } }
}"""
REVISIONS = """query($id: ID!) { product(id: $id) {
  pendingRevision { id } revisions { id status note changes { field } } } }"""
QUEUE = """query($licensing: Boolean) { productRevisions(first: 100,
  requiresLicensingReview: $licensing) {
  totalCount edges { node { id product { id } changes { field } } } } }"""

OLD_NAME = "Kestrel Tracked Carrier"
NEW_NAME = "Zyrkonix Tracked Carrier"


async def _published(api: httpx.AsyncClient, token_for: Tokens) -> str:
    """A listing of demo-manufacturer-1, published and released to Poland."""
    maker, curator = await token_for("demo-manufacturer-1"), await token_for("demo-curator")
    listing = {
        "name": OLD_NAME,
        "category": "GROUND_DRONE",
        "summary": "Tracked resupply carrier.",
        "controlEntry": "ML6.a",
        "techTransfer": "NONE",
        "unitsAvailable": 12,
        "unitPriceEur": "90000.00",
    }
    created = await gql(api, maker, CREATE, {"input": listing})
    product_id = str(created["data"]["createProduct"]["product"]["id"])
    await gql(api, maker, STEP % "submitProduct", {"id": product_id})
    await gql(api, curator, STEP % "publishProduct", {"id": product_id})
    await gql(api, curator, RELEASE, {"id": product_id})
    return product_id


async def _update(api: httpx.AsyncClient, token: str, product_id: str, **fields: Any) -> Any:
    body = await gql(api, token, UPDATE, {"input": {"productId": product_id, **fields}})
    return body["data"]["updateProduct"]


async def _partner_sees(api: httpx.AsyncClient, token: str, product_id: str, text: str) -> dict:
    data = (await gql(api, token, SEEN, {"id": product_id, "text": text}))["data"]
    return {
        "name": data["product"]["name"],
        "products": [e["node"]["id"] for e in data["products"]["edges"]] == [product_id],
        "search": [e["node"]["id"] for e in data["search"]["edges"]] == [product_id],
    }


async def test_a_revision_is_invisible_until_approved_then_live_everywhere(
    api: httpx.AsyncClient, token_for: Tokens
) -> None:
    product_id = await _published(api, token_for)
    maker, curator = await token_for("demo-manufacturer-1"), await token_for("demo-curator")
    pl = await token_for("demo-partner-PL")

    edited = await _update(api, maker, product_id, name=NEW_NAME)
    assert edited["errors"] == []
    assert edited["product"]["name"] == OLD_NAME  # the listing itself is unchanged
    pending = edited["product"]["pendingRevision"]
    assert pending["status"] == "PENDING" and pending["requiresLicensingReview"] is False
    assert pending["changes"] == [{"field": "name", "before": OLD_NAME, "after": NEW_NAME}]

    assert await _partner_sees(api, pl, product_id, "Zyrkonix") == {
        "name": OLD_NAME,
        "products": False,
        "search": False,
    }
    assert (await _partner_sees(api, pl, product_id, "Kestrel"))["search"] is True

    approved = (await gql(api, curator, APPROVE, {"id": pending["id"]}))["data"]
    assert approved["approveRevision"]["errors"] == []
    assert approved["approveRevision"]["revision"]["status"] == "APPROVED"
    assert approved["approveRevision"]["revision"]["decidedAt"]
    assert approved["approveRevision"]["product"]["name"] == NEW_NAME

    assert await _partner_sees(api, pl, product_id, "Zyrkonix") == {
        "name": NEW_NAME,
        "products": True,
        "search": True,
    }
    assert (await _partner_sees(api, pl, product_id, "Kestrel"))["search"] is False
    history = (await gql(api, maker, REVISIONS, {"id": product_id}))["data"]["product"]
    assert history["pendingRevision"] is None
    assert [r["status"] for r in history["revisions"]] == ["APPROVED"]
    again = (await gql(api, curator, APPROVE, {"id": pending["id"]}))["data"]
    assert again["approveRevision"]["errors"] == [
        {"field": "revisionId", "code": "INVALID_TRANSITION"}
    ]


async def test_a_rejected_revision_changes_nothing(
    api: httpx.AsyncClient, token_for: Tokens
) -> None:
    product_id = await _published(api, token_for)
    maker, curator = await token_for("demo-manufacturer-1"), await token_for("demo-curator")
    pl = await token_for("demo-partner-PL")
    edited = await _update(api, maker, product_id, name=NEW_NAME, summary="Now amphibious.")
    revision_id = edited["product"]["pendingRevision"]["id"]

    blank = await gql(api, curator, REJECT, {"id": revision_id, "note": "  "})
    assert blank["data"]["rejectRevision"]["errors"][0]["code"] == "INVALID"
    rejected = await gql(api, curator, REJECT, {"id": revision_id, "note": "unproven claim"})
    payload = rejected["data"]["rejectRevision"]
    assert payload["errors"] == [] and payload["product"]["name"] == OLD_NAME
    assert payload["revision"]["status"] == "REJECTED"
    assert payload["revision"]["note"] == "unproven claim" and payload["revision"]["decidedAt"]

    seen = (await gql(api, pl, SEEN, {"id": product_id, "text": "Kestrel"}))["data"]
    assert seen["product"] == {"name": OLD_NAME, "summary": "Tracked resupply carrier."}
    assert await _partner_sees(api, pl, product_id, "Zyrkonix") == {
        "name": OLD_NAME,
        "products": False,
        "search": False,
    }
    history = (await gql(api, maker, REVISIONS, {"id": product_id}))["data"]["product"]
    assert history["pendingRevision"] is None
    assert history["revisions"][0]["status"] == "REJECTED"
    assert history["revisions"][0]["note"] == "unproven claim"


async def test_a_new_edit_replaces_the_pending_revision(
    api: httpx.AsyncClient, token_for: Tokens
) -> None:
    product_id = await _published(api, token_for)
    maker, curator = await token_for("demo-manufacturer-1"), await token_for("demo-curator")
    first = (await _update(api, maker, product_id, name=NEW_NAME))["product"]["pendingRevision"]
    second = await _update(api, maker, product_id, summary="Amphibious resupply carrier.")
    replacing = second["product"]["pendingRevision"]
    assert replacing["id"] != first["id"]
    # The new edit applies on top of the pending one: both changes are proposed together.
    assert [c["field"] for c in replacing["changes"]] == ["name", "summary"]

    history = (await gql(api, maker, REVISIONS, {"id": product_id}))["data"]["product"]
    assert history["pendingRevision"] == {"id": replacing["id"]}
    assert [r["status"] for r in history["revisions"]] == ["PENDING", "SUPERSEDED"]
    queue = (await gql(api, curator, QUEUE))["data"]["productRevisions"]
    assert [e["node"]["id"] for e in queue["edges"]] == [replacing["id"]]

    # The curator cannot approve what was replaced after they compared it.
    stale = (await gql(api, curator, APPROVE, {"id": first["id"]}))["data"]["approveRevision"]
    assert stale["errors"] == [{"field": "revisionId", "code": "INVALID_TRANSITION"}]

    # Editing every field back to the published value leaves nothing pending.
    back = await _update(api, maker, product_id, name=OLD_NAME, summary="Tracked resupply carrier.")
    assert back["errors"] == [] and back["product"]["pendingRevision"] is None
    assert (await gql(api, curator, QUEUE))["data"]["productRevisions"]["totalCount"] == 0


async def test_routing_fields_flag_the_revision_for_licensing(
    api: httpx.AsyncClient, token_for: Tokens
) -> None:
    product_id = await _published(api, token_for)
    maker, licensing = await token_for("demo-manufacturer-1"), await token_for("demo-licensing")
    edited = await _update(api, maker, product_id, controlEntry="ml9", techTransfer="MAINTENANCE")
    pending = edited["product"]["pendingRevision"]
    assert pending["requiresLicensingReview"] is True
    assert pending["changes"] == [
        {"field": "controlEntry", "before": "ML6.a", "after": "ML9"},
        {"field": "techTransfer", "before": "NONE", "after": "MAINTENANCE"},
    ]
    flagged = (await gql(api, licensing, QUEUE, {"licensing": True}))["data"]
    assert [e["node"]["id"] for e in flagged["productRevisions"]["edges"]] == [pending["id"]]
    unflagged = (await gql(api, licensing, QUEUE, {"licensing": False}))["data"]
    assert unflagged["productRevisions"]["totalCount"] == 0


async def test_partners_and_other_manufacturers_neither_see_nor_decide(
    api: httpx.AsyncClient, token_for: Tokens
) -> None:
    product_id = await _published(api, token_for)
    maker = await token_for("demo-manufacturer-1")
    revision_id = (await _update(api, maker, product_id, name=NEW_NAME))["product"][
        "pendingRevision"
    ]["id"]
    pl, other = await token_for("demo-partner-PL"), await token_for("demo-manufacturer-2")

    body = await gql(api, pl, REVISIONS, {"id": product_id}, expect_errors=True)
    assert body["data"]["product"] == {"pendingRevision": None, "revisions": None}
    assert set(error_codes(body)) == {"FORBIDDEN"}
    assert (await gql(api, pl, QUEUE))["data"]["productRevisions"]["totalCount"] == 0
    hidden = await gql(api, other, REVISIONS, {"id": product_id})
    assert hidden["data"]["product"] is None
    assert (await gql(api, other, QUEUE))["data"]["productRevisions"]["totalCount"] == 0
    # Another manufacturer cannot propose changes to the listing either.
    foreign = await _update(api, other, product_id, name="Hijacked")
    assert foreign["errors"] == [{"field": "productId", "code": "NOT_FOUND"}]

    for slug in ("demo-partner-PL", "demo-manufacturer-1", "demo-licensing"):
        token = await token_for(slug)
        refused = await gql(api, token, APPROVE, {"id": revision_id}, expect_errors=True)
        assert error_codes(refused) == ["FORBIDDEN"] and refused["data"] is None
        refused = await gql(
            api, token, REJECT, {"id": revision_id, "note": "x"}, expect_errors=True
        )
        assert error_codes(refused) == ["FORBIDDEN"]
    still = (await gql(api, maker, REVISIONS, {"id": product_id}))["data"]["product"]
    assert still["pendingRevision"] == {"id": revision_id}


AUDIT = """query($id: ID!) { auditEvents(entityId: $id, first: 50) {
  edges { node { action data } } } }"""


async def test_units_and_price_stay_immediate_with_before_and_after_audited(
    api: httpx.AsyncClient, token_for: Tokens
) -> None:
    product_id = await _published(api, token_for)
    maker, curator = await token_for("demo-manufacturer-1"), await token_for("demo-curator")
    pl = await token_for("demo-partner-PL")
    edited = await _update(
        api, maker, product_id, unitsAvailable=7, unitPriceEur="95000", name=NEW_NAME
    )
    assert edited["errors"] == [] and edited["product"]["unitsAvailable"] == 7
    assert [c["field"] for c in edited["product"]["pendingRevision"]["changes"]] == ["name"]
    seen = await gql(
        api,
        pl,
        "query($id: ID!) { product(id: $id) { unitsAvailable unitPriceEur name } }",
        {"id": product_id},
    )
    assert seen["data"]["product"] == {
        "unitsAvailable": 7,
        "unitPriceEur": "95000.00",
        "name": OLD_NAME,
    }
    events = (await gql(api, curator, AUDIT, {"id": product_id}))["data"]["auditEvents"]
    by_action = {e["node"]["action"]: e["node"]["data"] for e in events["edges"]}
    assert by_action["product.updated"]["changes"] == [
        {"field": "unitPriceEur", "before": "90000.00", "after": "95000"},
        {"field": "unitsAvailable", "before": 12, "after": 7},
    ]
    assert by_action["product.revision_proposed"]["changes"] == [
        {"field": "name", "before": OLD_NAME, "after": NEW_NAME}
    ]


async def test_drafts_under_review_edit_in_place_and_withdrawn_listings_reopen(
    api: httpx.AsyncClient, token_for: Tokens
) -> None:
    product_id = await _published(api, token_for)
    maker = await token_for("demo-manufacturer-1")
    await _update(api, maker, product_id, name=NEW_NAME)
    withdrawn = await gql(api, maker, STEP % "withdrawProduct", {"id": product_id})
    assert withdrawn["data"]["withdrawProduct"]["product"]["status"] == "WITHDRAWN"
    history = (await gql(api, maker, REVISIONS, {"id": product_id}))["data"]["product"]
    assert history["pendingRevision"] is None  # the proposal left with the listing
    assert [r["status"] for r in history["revisions"]] == ["SUPERSEDED"]

    refused = await _update(api, maker, product_id, name="Still here")
    assert refused["errors"] == [{"field": "name", "code": "INVALID_TRANSITION"}]
    reopened = await gql(api, maker, STEP % "reopenProduct", {"id": product_id})
    assert reopened["data"]["reopenProduct"]["product"]["status"] == "DRAFT"
    again = await gql(api, maker, STEP % "reopenProduct", {"id": product_id})
    assert again["data"]["reopenProduct"]["errors"] == [
        {"field": "productId", "code": "INVALID_TRANSITION"}
    ]

    direct = await _update(api, maker, product_id, name=NEW_NAME)
    assert direct["product"]["name"] == NEW_NAME and direct["product"]["pendingRevision"] is None
    await gql(api, maker, STEP % "submitProduct", {"id": product_id})
    submitted = await _update(api, maker, product_id, summary="Edited while submitted.")
    assert submitted["errors"] == []
    assert submitted["product"]["summary"] == "Edited while submitted."
    assert submitted["product"]["pendingRevision"] is None


async def test_an_approval_reaches_meilisearch_through_the_outbox(
    api: httpx.AsyncClient,
    settings: Settings,
    seeded: Database,
    meili_server: MeiliServer,
    token_for: Tokens,
) -> None:
    product_id = await _published(api, token_for)
    backend = MeiliSearch(
        seeded, meili_server.url, meili_server.master_key, f"t_{uuid.uuid4().hex}"
    )
    async for _ in rebuild(seeded, backend):
        pass
    maker, curator = await token_for("demo-manufacturer-1"), await token_for("demo-curator")
    pl = await token_for("demo-partner-PL")
    app = create_app(settings, db=seeded, search=backend)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as meili:
        pending = (await _update(api, maker, product_id, name=NEW_NAME))["product"]
        await index_pending(seeded, backend)
        assert (await _partner_sees(meili, pl, product_id, "Zyrkonix"))["search"] is False
        await gql(api, curator, APPROVE, {"id": pending["pendingRevision"]["id"]})
        assert await index_pending(seeded, backend) >= 1  # the approval's product.changed
        assert await _partner_sees(meili, pl, product_id, "Zyrkonix") == {
            "name": NEW_NAME,
            "products": True,
            "search": True,
        }
        assert (await _partner_sees(meili, pl, product_id, "Kestrel"))["search"] is False


def test_changes_are_compared_as_stored_and_routing_fields_are_named() -> None:
    """Pure: a proposed copy with a pending revision applied, compared field by field."""
    from catalog.core.enums import ProductCategory, RevisionStatus, TechTransfer
    from catalog.models import Product, ProductRevision
    from catalog.products import revisions

    live = Product(
        manufacturer_id=uuid.uuid4(),
        sku="SKU-1",
        name="Kestrel",
        category=ProductCategory.GROUND_DRONE,
        summary="Carrier",
        specs={"range_km": 20.0},
        control_entry="ML6",
        tech_transfer=TechTransfer.NONE,
    )
    pending = ProductRevision(
        product_id=live.id,
        status=RevisionStatus.PENDING,
        changes=[{"field": "techTransfer", "before": "NONE", "after": "MAINTENANCE"}],
    )
    proposed = revisions.proposed_copy(live, pending)
    assert (
        proposed.tech_transfer is TechTransfer.MAINTENANCE
        and live.tech_transfer is TechTransfer.NONE
    )
    proposed.specs["range_km"] = 25.0  # a deep copy: the live row is untouched
    assert live.specs == {"range_km": 20.0}
    changes = revisions.diff(live, proposed)
    assert changes == [
        {"field": "techTransfer", "before": "NONE", "after": "MAINTENANCE"},
        {"field": "specs", "before": {"range_km": 20.0}, "after": {"range_km": 25.0}},
    ]
    assert {c["field"] for c in changes} & revisions.ROUTING_FIELDS == {"techTransfer"}
    assert revisions.diff(live, revisions.proposed_copy(live, None)) == []
