"""GraphQL documents and steps shared by the export-control integrity tests
(tests/test_integrity_*.py): a quote driven through licensing, offers and acceptance by real
tokens of the demo organisations."""

import uuid
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

import httpx
from sqlalchemy import select

from catalog.core.db import Database
from catalog.models import Product
from schema.relay import to_global_id
from tests.document_support import attach_euc
from tests.graphql import gql
from tests.quote_graphql import request_vars, requested

TokenFor = Callable[..., Awaitable[str]]

PARTNER_QUOTE = """query($id: ID!) { quoteRequest(id: $id) {
  id status onHold holdReason closedReason refusalReason licensedValue licensedCurrency
  offer { revision unitPrice currency total pendingReview }
  offers { revision total currency pendingReview }
  licensingCase { id status queue slaDueAt slaPaused }
} }"""
OFFICER_CASE = """query($id: ID!) { licensingCase(id: $id) {
  id status queue flags holdCauses heldFrom approvalsRequired slaDueAt slaPaused reviewRound
  routing { queue queueReason valueEur slaWorkingDays approvalsRequired refused }
  routingHistory { queue valueEur slaWorkingDays }
  quoteRequest { id }
} }"""
DECIDE = """mutation($input: DecideCaseInput!) { decideCase(input: $input) {
  licensingCase { id status } errors { field code message } } }"""
RESPOND = """mutation($input: RespondToQuoteInput!) { respondToQuote(input: $input) {
  quoteRequest { id status offer { revision total pendingReview } }
  errors { field code message } } }"""
ACCEPT = """mutation($id: ID!) { acceptOffer(input: {quoteRequestId: $id}) {
  quoteRequest { id status } errors { field code message } } }"""
PUBLISH = """mutation($id: ID!) {
  publish: publishProduct(input: {productId: $id}) { product { id } errors { code } } }"""
SUSPEND_PRODUCT = """mutation($id: ID!) {
  suspendProduct(input: {productId: $id, reason: "Export documentation under review"}) {
    product { id } errors { code } } }"""
WITHDRAW_PRODUCT = """mutation($id: ID!) {
  withdrawProduct(input: {productId: $id}) { product { id } errors { code } } }"""
RELEASE_AGAIN = """mutation($id: ID!, $countries: [String!]!) {
  releaseProduct(input: {productId: $id, countries: $countries}) {
    product { id } errors { field code message } } }"""
REVOKE = """mutation($id: ID!, $countries: [String!]!) {
  revokeRelease(input: {productId: $id, countries: $countries}) {
    product { id } errors { code } } }"""
UPDATE_PRODUCT = """mutation($input: UpdateProductInput!) { updateProduct(input: $input) {
  product { id unitsAvailable unitPriceEur } errors { field code } } }"""
UNITS = """query($id: ID!) { product(id: $id) { unitsAvailable unitsReserved } }"""
PARTNERS = "{ partners { id slug } }"
VETTING = """mutation($id: ID!) {
  suspend: suspendPartner(input: {organisationId: $id, reason: "Vetting lapsed"}) {
    partner { vetting } errors { code } } }"""
VET = """mutation($id: ID!) { vetPartner(input: {organisationId: $id}) {
  partner { vetting } errors { code } } }"""
COUNTRY_FIELDS = "country { code partner embargoed } errors { field code message }"


def country_change(mutation: str) -> str:
    return f"""mutation($country: String!) {{
      {mutation}(input: {{country: $country, reason: "Programme decision 7/2026"}}) {{
        {COUNTRY_FIELDS} }} }}"""


def codes(payload: dict[str, Any]) -> list[str]:
    return [e["code"] for e in payload["errors"]]


async def product_named(db: Database, name: str) -> Product:
    async with db.read() as session:
        product = await session.scalar(select(Product).where(Product.name == name))
    assert product is not None, name
    return product


@dataclass
class Desk:
    """Tokens of the demo organisations a quote's life involves."""

    api: httpx.AsyncClient
    token_for: TokenFor
    partner: str
    maker: str
    curator: str
    officer: str

    @classmethod
    async def open(
        cls, api: httpx.AsyncClient, token_for: TokenFor, partner: str, maker: str
    ) -> "Desk":
        return cls(
            api,
            token_for,
            await token_for(partner),
            await token_for(maker),
            await token_for("demo-curator"),
            await token_for("demo-licensing"),
        )

    async def run(
        self, token: str, query: str, variables: dict[str, Any] | None = None
    ) -> dict[str, Any]:
        return (await gql(self.api, token, query, variables))["data"]

    async def request(self, product_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
        """A quote requested by the partner, with the end-user certificate its routing requires
        attached (the demo rules ask for one outside the EU/NATO fast track)."""
        quote = await requested(self.api, self.partner, request_vars(product_id, **changes))
        case = quote["licensingCase"]
        if (
            case["status"] == "OPEN"
            and "DOCUMENT_MISSING" in (await self.case(case["id"]))["flags"]
        ):
            await attach_euc(self.api, self.partner, quote["id"])
        return quote

    async def quote(self, quote_id: str, token: str | None = None) -> dict[str, Any]:
        found = await self.run(token or self.partner, PARTNER_QUOTE, {"id": quote_id})
        return found["quoteRequest"]

    async def case(self, case_id: str) -> dict[str, Any]:
        return (await self.run(self.officer, OFFICER_CASE, {"id": case_id}))["licensingCase"]

    async def decide(self, case_id: str, decision: str, token: str | None = None) -> dict[str, Any]:
        variables = {"input": {"caseId": case_id, "decision": decision, "reason": "checked"}}
        return (await self.run(token or self.officer, DECIDE, variables))["decideCase"]

    async def approve(self, case_id: str) -> dict[str, Any]:
        """As many approvals as the case needs, each by another officer; an open case routed
        again (an offer review) to a queue that requires an end-user certificate gets it from
        the partner first."""
        case = await self.case(case_id)
        if case["status"] == "OPEN" and "DOCUMENT_MISSING" in case["flags"]:
            await attach_euc(self.api, self.partner, case["quoteRequest"]["id"])
        payload: dict[str, Any] = {}
        for _ in range(8):
            payload = await self.decide(case_id, "APPROVE", await self.token_for("demo-licensing"))
            if payload["errors"] or payload["licensingCase"]["status"] != "OPEN":
                return payload
        raise AssertionError("the case never left OPEN")

    async def offer(self, quote_id: str, unit_price: str, currency: str = "EUR") -> dict[str, Any]:
        variables = {
            "input": {
                "quoteRequestId": quote_id,
                "unitPrice": unit_price,
                "currency": currency,
                "leadTimeDays": 30,
                "validUntil": (date.today() + timedelta(days=30)).isoformat(),
            }
        }
        return (await self.run(self.maker, RESPOND, variables))["respondToQuote"]

    async def accept(self, quote_id: str, token: str | None = None) -> dict[str, Any]:
        return (await self.run(token or self.partner, ACCEPT, {"id": quote_id}))["acceptOffer"]

    async def offered(self, product_id: uuid.UUID, quantity: int, price: str) -> dict[str, Any]:
        """A quote requested, licensed and offered on."""
        quote = await self.request(product_id, quantity=quantity)
        approved = await self.approve(quote["licensingCase"]["id"])
        assert approved["errors"] == [], approved
        offered = await self.offer(quote["id"], price)
        assert offered["errors"] == [] and offered["quoteRequest"]["status"] == "OFFERED"
        return quote

    async def product_mutation(
        self, token: str, query: str, product_id: uuid.UUID, **variables: Any
    ) -> dict[str, Any]:
        data = await self.run(
            token, query, {"id": to_global_id("Product", product_id), **variables}
        )
        payload = next(iter(data.values()))
        assert payload["errors"] == [], payload
        return payload

    async def partner_id(self, slug: str) -> str:
        partners = (await self.run(self.curator, PARTNERS))["partners"]
        return next(p["id"] for p in partners if p["slug"] == slug)
