"""Documents over GraphQL and HTTP with real tokens and real multipart bodies, on SQLite and
PostgreSQL: who sees them (by id, by listing, by download URL), what is refused without a row
written, and the end-user certificate that routing requires before approval."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from sqlalchemy import func, select

from catalog.core.db import Database
from catalog.core.enums import ProductCategory
from catalog.documents.content import MAX_DOCUMENT_BYTES
from catalog.models import AuditEvent, Document, DocumentBlob, Product
from catalog.visibility import visible_products
from tests.document_support import (
    JPEG,
    PDF,
    PNG,
    attach_euc,
    post_upload,
    product_gid,
    upload,
    upload_body,
)
from tests.graphql import gql
from tests.quote_graphql import DECIDE, request_vars, requested
from tests.quote_helpers import manufacturer_slug, principal_of, product_for
from tests.tokens import bearer

TokenFor = Callable[..., Awaitable[str]]

CASE = """query($id: ID!) { quoteRequest(id: $id) { status documents { id kind }
  licensingCase { id status flags approvalsRequired routing { queue requiresDocuments } } } }"""
QUOTE_DOCUMENTS = "query($id: ID!) { quoteRequest(id: $id) { id documents { id kind } } }"
PRODUCT_DOCUMENTS = "query($id: ID!) { product(id: $id) { id documents { id kind filename } } }"
NODE = "query($id: ID!) { node(id: $id) { id ... on Document { kind sha256 } } }"
ANSWER = """mutation($input: AnswerInfoRequestInput!) { answerInfoRequest(input: $input) {
  quoteRequest { status } errors { code field } } }"""


async def _decide(api: httpx.AsyncClient, token: str, case_id: str, decision: str) -> Any:
    variables = {"input": {"caseId": case_id, "decision": decision, "reason": "checked"}}
    return (await gql(api, token, DECIDE, variables))["data"]["decideCase"]


async def _case(api: httpx.AsyncClient, token: str, quote_id: str) -> dict[str, Any]:
    return dict((await gql(api, token, CASE, {"id": quote_id}))["data"]["quoteRequest"])


async def _approve_fully(api: httpx.AsyncClient, token_for: TokenFor, quote: dict[str, Any]) -> Any:
    """As many distinct officers as the case needs approve it; the last payload."""
    case = quote["licensingCase"]
    payload = None
    for _ in range(case["approvalsRequired"]):
        payload = await _decide(api, await token_for("demo-licensing"), case["id"], "APPROVE")
        assert payload["errors"] == [], payload
    return payload


async def _rows(db: Database, model: type) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def _software_quote(
    api: httpx.AsyncClient, db: Database, token: str
) -> tuple[Product, dict[str, Any]]:
    """A quote the demo rules route outside the EU/NATO fast track (military software)."""
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl, category=ProductCategory.SOFTWARE)
    quote = await requested(api, token, request_vars(product.id))
    return product, quote


async def _visible_to(api: httpx.AsyncClient, token: str, document: dict[str, Any]) -> bool:
    """By id (node) and by download URL, which must agree."""
    node = (await gql(api, token, NODE, {"id": document["id"]}))["data"]["node"]
    response = await api.get(document["downloadUrl"], headers=bearer(token))
    assert response.status_code in (200, 404), response.text
    assert (node is not None) == (response.status_code == 200), (node, response.status_code)
    return node is not None


async def test_a_case_requiring_an_euc_is_approved_only_once_it_is_attached(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    partner = await token_for("demo-partner-PL")
    officer = await token_for("demo-licensing")
    _, quote = await _software_quote(api, db, partner)
    case = (await _case(api, officer, quote["id"]))["licensingCase"]
    assert case["routing"]["queue"] != "FAST_TRACK"
    assert case["routing"]["requiresDocuments"] == ["END_USER_CERTIFICATE"]
    assert "DOCUMENT_MISSING" in case["flags"]

    refused = await _decide(api, officer, case["id"], "APPROVE")
    assert [e["code"] for e in refused["errors"]] == ["NOT_ALLOWED"]
    assert "END_USER_CERTIFICATE" in refused["errors"][0]["message"]
    assert (await _case(api, officer, quote["id"]))["licensingCase"]["status"] == "OPEN"

    await attach_euc(api, partner, quote["id"])
    after = await _case(api, officer, quote["id"])
    assert "DOCUMENT_MISSING" not in after["licensingCase"]["flags"]
    assert [d["kind"] for d in after["documents"]] == ["END_USER_CERTIFICATE"]
    final = await _approve_fully(api, token_for, after)
    assert final["licensingCase"]["status"] == "APPROVED"

    # Inside the fast track nothing is required.
    pl = await principal_of(db, "demo-partner-PL")
    fast = await requested(api, partner, request_vars((await product_for(db, pl)).id))
    fast_case = (await _case(api, officer, fast["id"]))["licensingCase"]
    assert fast_case["routing"] == {"queue": "FAST_TRACK", "requiresDocuments": []}
    assert "DOCUMENT_MISSING" not in fast_case["flags"]


async def test_an_euc_is_refused_to_every_organisation_that_may_not_see_it(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    partner = await token_for("demo-partner-PL")
    product, quote = await _software_quote(api, db, partner)
    uploaded = await upload(api, partner, "END_USER_CERTIFICATE", PNG, quote_id=quote["id"])
    assert uploaded["errors"] == []
    document = uploaded["document"]
    assert document["kind"] == "END_USER_CERTIFICATE"
    assert document["contentType"] == "image/png" and document["size"] == len(PNG)

    maker_slug = await manufacturer_slug(db, product)
    other_maker = (
        "demo-manufacturer-1" if maker_slug != "demo-manufacturer-1" else "demo-manufacturer-2"
    )
    maker = await token_for(maker_slug)
    refused = {
        slug: await token_for(slug) for slug in ("demo-partner-DE", other_maker, "demo-curator")
    }
    refused["manufacturer before licensing"] = maker
    for who, token in refused.items():
        assert not await _visible_to(api, token, document), who
        listed = await gql(api, token, QUOTE_DOCUMENTS, {"id": quote["id"]}, expect_errors=True)
        quote_seen = (listed.get("data") or {}).get("quoteRequest")
        assert quote_seen is None or quote_seen["documents"] == [], who

    officer = await token_for("demo-licensing")
    for token in (partner, officer):
        assert await _visible_to(api, token, document)
    response = await api.get(document["downloadUrl"], headers=bearer(officer))
    assert response.content == PNG
    assert response.headers["content-type"] == "image/png"
    assert response.headers["content-disposition"] == 'attachment; filename="certificate.pdf"'
    assert response.headers["x-content-type-options"] == "nosniff"
    assert (await api.get(document["downloadUrl"])).status_code == 401

    # Once licensed, the product's manufacturer sees it too (and still no one else).
    await _approve_fully(api, token_for, await _case(api, officer, quote["id"]))
    assert await _visible_to(api, maker, document)
    listed = await gql(api, maker, QUOTE_DOCUMENTS, {"id": quote["id"]})
    assert [d["id"] for d in listed["data"]["quoteRequest"]["documents"]] == [document["id"]]
    for who in ("demo-partner-DE", other_maker, "demo-curator"):
        assert not await _visible_to(api, refused[who], document), who


async def _product_hidden_from(db: Database, seen_by: str, hidden_from: str) -> Product:
    shown, hidden = await principal_of(db, seen_by), await principal_of(db, hidden_from)
    async with db.read() as session:
        product = await session.scalar(
            select(Product)
            .where(visible_products(shown), ~visible_products(hidden))
            .order_by(Product.name)
            .limit(1)
        )
    assert product is not None
    return product


async def test_a_datasheet_is_seen_by_whoever_sees_its_product(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    product = await _product_hidden_from(db, "demo-partner-PL", "demo-partner-GB")
    maker_slug = await manufacturer_slug(db, product)
    maker = await token_for(maker_slug)
    product_id = product_gid(product.id)
    payload = await upload(
        api, maker, "DATASHEET", JPEG, product_id=product_id, filename="../spec sheet ä.jpg"
    )
    assert payload["errors"] == [], payload
    document = payload["document"]
    assert document["filename"] == "spec_sheet_a.jpg"
    assert document["contentType"] == "image/jpeg"

    for slug in ("demo-partner-PL", "demo-curator", "demo-licensing", maker_slug):
        token = await token_for(slug)
        assert await _visible_to(api, token, document), slug
        listed = await gql(api, token, PRODUCT_DOCUMENTS, {"id": product_id})
        assert [d["id"] for d in listed["data"]["product"]["documents"]] == [document["id"]]
    other_maker = (
        "demo-manufacturer-1" if maker_slug != "demo-manufacturer-1" else "demo-manufacturer-2"
    )
    for slug in ("demo-partner-GB", other_maker):
        token = await token_for(slug)
        assert not await _visible_to(api, token, document), slug
        listed = await gql(api, token, PRODUCT_DOCUMENTS, {"id": product_id})
        assert listed["data"]["product"] is None

    # Nor may anyone else attach one to it: the product is not found for them.
    before = await _rows(db, Document)
    other = await upload(api, await token_for(other_maker), "DATASHEET", product_id=product_id)
    assert [e["code"] for e in other["errors"]] == ["NOT_FOUND"] and other["document"] is None
    partner = await post_upload(
        api, await token_for("demo-partner-PL"), "DATASHEET", PDF, product_id=product_id
    )
    assert partner.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    assert await _rows(db, Document) == before


async def test_oversized_mistyped_and_misplaced_files_are_refused_without_a_row(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    partner = await token_for("demo-partner-PL")
    _, quote = await _software_quote(api, db, partner)
    events = await _rows(db, AuditEvent)
    cases = {
        "TOO_LARGE": PDF + b"\x00" * (MAX_DOCUMENT_BYTES + 1 - len(PDF)),
        "UNSUPPORTED_TYPE": b"<html><script>alert(1)</script></html>",  # named .pdf
        "EMPTY_FILE": b"",
    }
    for code, content in cases.items():
        payload = await upload(api, partner, "END_USER_CERTIFICATE", content, quote_id=quote["id"])
        assert [e["code"] for e in payload["errors"]] == [code], payload
        assert payload["errors"][0]["field"] == "file"
    exe = await upload(api, partner, "END_USER_CERTIFICATE", b"MZ\x90\x00", filename="x.png",
                       quote_id=quote["id"])  # fmt: skip
    assert [e["code"] for e in exe["errors"]] == ["UNSUPPORTED_TYPE"]
    licence = await post_upload(api, partner, "LICENCE", PDF, quote_id=quote["id"])
    assert licence.json()["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    both = await upload(api, partner, "END_USER_CERTIFICATE", product_id=product_gid(
        (await _product_hidden_from(db, "demo-partner-PL", "demo-partner-GB")).id
    ))  # fmt: skip
    assert both["errors"][0]["code"] == "INVALID"

    # A body far over the limit is refused before it is read.
    huge = await post_upload(
        api, partner, "END_USER_CERTIFICATE", PDF * (MAX_DOCUMENT_BYTES // len(PDF) + 20_000),
        quote_id=quote["id"],
    )  # fmt: skip
    assert huge.status_code == 413
    assert (await _rows(db, Document), await _rows(db, DocumentBlob)) == (0, 0)
    assert await _rows(db, AuditEvent) == events


async def test_multipart_is_accepted_only_for_uploads_with_a_bearer_token(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    partner = await token_for("demo-partner-PL")
    files = {"0": ("a.pdf", PDF, "application/pdf")}
    others = [
        "query { me { organisation { name } } }",
        "mutation($input: UploadDocumentInput!) { uploadDocument(input: $input) { errors { code } }"
        ' withdrawQuote(input: {quoteRequestId: "x"}) { errors { code } } }',
    ]
    for query in others:
        body = upload_body("END_USER_CERTIFICATE", quote_id="x", query=query)
        response = await api.post("/graphql", data=body, files=files, headers=bearer(partner))
        assert response.status_code == 415, response.text
    body = upload_body("END_USER_CERTIFICATE", quote_id="x")
    anonymous = await api.post("/graphql", data=body, files=files)
    assert anonymous.status_code == 401
    unmapped = {**body, "map": '{"0": ["variables.input.kind"]}'}
    response = await api.post("/graphql", data=unmapped, files=files, headers=bearer(partner))
    assert response.status_code == 400
    assert await _rows(db, Document) == 0


async def test_answering_an_information_request_brings_the_certificate(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    partner = await token_for("demo-partner-PL")
    officer = await token_for("demo-licensing")
    _, quote = await _software_quote(api, db, partner)
    case_id = (await _case(api, officer, quote["id"]))["licensingCase"]["id"]
    asked = await _decide(api, officer, case_id, "REQUEST_INFO")
    assert asked["licensingCase"]["status"] == "INFO_REQUESTED"

    first = await attach_euc(api, partner, quote["id"])
    again = await attach_euc(api, partner, quote["id"])  # the same bytes: stored once
    assert first != again
    assert (await _rows(db, Document), await _rows(db, DocumentBlob)) == (2, 1)
    unknown = {"quoteRequestId": quote["id"], "answer": "x", "documentIds": [case_id]}
    refused = (await gql(api, partner, ANSWER, {"input": unknown}))["data"]["answerInfoRequest"]
    assert refused["errors"] == [{"code": "NOT_FOUND", "field": "documentIds"}]
    answer = {"quoteRequestId": quote["id"], "answer": "EUC attached.", "documentIds": [first]}
    answered = (await gql(api, partner, ANSWER, {"input": answer}))["data"]["answerInfoRequest"]
    assert answered["errors"] == [] and answered["quoteRequest"]["status"] == "LICENSING_REVIEW"
    after = await _case(api, officer, quote["id"])
    assert "DOCUMENT_MISSING" not in after["licensingCase"]["flags"]
    assert (await _approve_fully(api, token_for, after))["licensingCase"]["status"] == "APPROVED"

    response = await api.get(f"/documents/{first}", headers=bearer(partner))
    assert response.status_code == 200 and response.content == PDF
    async with db.read() as session:
        actions = list(
            await session.scalars(
                select(AuditEvent.action).where(AuditEvent.entity_type == "Document")
            )
        )
    assert sorted(actions) == ["document.downloaded"] + ["document.uploaded"] * 2


CREATE_RULE = """mutation($input: CreateRoutingRuleInput!) { createRoutingRule(input: $input) {
  routingRule { id requiresDocuments } ruleSetVersion errors { field code } } }"""
UPDATE_RULE = """mutation($input: UpdateRoutingRuleInput!) { updateRoutingRule(input: $input) {
  routingRule { requiresDocuments } ruleSetVersion errors { field code } } }"""


async def test_a_rule_requiring_documents_is_data_versioned_with_the_rules(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    officer = await token_for("demo-licensing")
    rule = {
        "name": "Licence on file first",
        "tier": 0,
        "conditions": {"categories": ["GROUND_DRONE"]},
        "queue": "DOCUMENT_CHECK",
        "slaWorkingDays": 5,
        "requiresDocuments": ["END_USER_CERTIFICATE", "OFFER"],
    }
    created = (await gql(api, officer, CREATE_RULE, {"input": rule}))["data"]["createRoutingRule"]
    assert created["errors"] == []
    assert created["routingRule"]["requiresDocuments"] == ["END_USER_CERTIFICATE", "OFFER"]

    partner = await token_for("demo-partner-PL")
    pl = await principal_of(db, "demo-partner-PL")
    quote = await requested(api, partner, request_vars((await product_for(db, pl)).id))
    case = (await _case(api, officer, quote["id"]))["licensingCase"]
    assert case["routing"] == {
        "queue": "DOCUMENT_CHECK",
        "requiresDocuments": ["END_USER_CERTIFICATE", "OFFER"],
    }
    assert "DOCUMENT_MISSING" in case["flags"]
    await attach_euc(api, partner, quote["id"])
    still = await _case(api, officer, quote["id"])
    assert "DOCUMENT_MISSING" in still["licensingCase"]["flags"]  # the offer is missing yet
    refused = await _decide(api, officer, case["id"], "APPROVE")
    assert [e["code"] for e in refused["errors"]] == ["NOT_ALLOWED"]
    assert "OFFER" in refused["errors"][0]["message"]

    # A later version without the requirement routes new quotes without it; the case keeps
    # the decision of the version that routed it.
    change = {"ruleId": created["routingRule"]["id"], "requiresDocuments": []}
    updated = (await gql(api, officer, UPDATE_RULE, {"input": change}))["data"]
    assert updated["updateRoutingRule"]["routingRule"]["requiresDocuments"] == []
    assert updated["updateRoutingRule"]["ruleSetVersion"] == created["ruleSetVersion"] + 1
    later = await requested(api, partner, request_vars((await product_for(db, pl)).id))
    later_case = (await _case(api, officer, later["id"]))["licensingCase"]
    assert later_case["routing"] == {"queue": "DOCUMENT_CHECK", "requiresDocuments": []}
    assert "DOCUMENT_MISSING" not in later_case["flags"]
    assert "DOCUMENT_MISSING" in (await _case(api, officer, quote["id"]))["licensingCase"]["flags"]
