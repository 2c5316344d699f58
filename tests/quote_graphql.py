"""GraphQL documents and input builders shared by the quote and licensing HTTP tests."""

import uuid
from datetime import date, timedelta
from typing import Any

import httpx

from schema.relay import to_global_id
from tests.graphql import gql

QUOTE_FIELDS = """id status quantity notes refusalReason infoRequest infoResponse
  offer { unitPrice currency leadTimeDays validUntil }
  licensingCase { id queue status slaDueAt slaPaused overdue approvalsRequired }"""
REQUEST = f"""mutation($input: RequestQuoteInput!) {{ requestQuote(input: $input) {{
  quoteRequest {{ {QUOTE_FIELDS} }} errors {{ field code message }} }}
}}"""
QUOTE = f"query($id: ID!) {{ quoteRequest(id: $id) {{ {QUOTE_FIELDS} }} }}"
ROUTING = """query($id: ID!) { quoteRequest(id: $id) { licensingCase {
  flags assignedTo decisions { decision officer reason internalNote }
  routing { queue ruleSetVersion explanation { ruleId ruleName tier matched failedCondition } }
} } }"""
DECIDE = """mutation($input: DecideCaseInput!) {
  decideCase(input: $input) { licensingCase { status } errors { code message } }
}"""
ASSIGN = """mutation($input: AssignCaseInput!) {
  assignCase(input: $input) { licensingCase { assignedTo } errors { code } }
}"""
STEP = """mutation($id: ID!) {
  withdraw: withdrawQuote(input: {quoteRequestId: $id}) { quoteRequest { status } errors { code } }
}"""
ANSWER = """mutation($id: ID!, $answer: String!) {
  answerInfoRequest(input: {quoteRequestId: $id, answer: $answer}) {
    quoteRequest { status infoResponse } errors { code }
  }
}"""
ACCEPT = """mutation($id: ID!) {
  acceptOffer(input: {quoteRequestId: $id}) { quoteRequest { status } errors { code } }
}"""
DECLINE = """mutation($id: ID!) {
  declineOffer(input: {quoteRequestId: $id}) { quoteRequest { status } errors { code } }
}"""
RESPOND = """mutation($input: RespondToQuoteInput!) {
  respondToQuote(input: $input) { quoteRequest { status offer { currency } } errors { field code } }
}"""
CASES = """query($queue: String) { licensingCases(queue: $queue, first: 50) {
  totalCount edges { node { id status quoteRequest { id } } } } }"""


def request_vars(product_id: uuid.UUID, **changes: Any) -> dict[str, Any]:
    return {
        "productId": to_global_id("Product", product_id),
        "quantity": 3,
        "deliveryCountry": "PL",
        "endUser": "21st Mechanised Brigade",
        "endUse": "Route clearance trials.",
        "idempotencyKey": uuid.uuid4().hex,
        "notes": "internal: programme 4B",
        "requiredBy": "2030-06-01",
        **changes,
    }


def offer_vars(quote_id: str, **changes: Any) -> dict[str, Any]:
    valid = (date.today() + timedelta(days=30)).isoformat()
    return {
        "quoteRequestId": quote_id,
        # below every demo product's price: within the licence of any demo quote
        "unitPrice": "15000.00",
        "currency": "eur",
        "leadTimeDays": 45,
        "validUntil": valid,
        **changes,
    }


async def requested(
    api: httpx.AsyncClient, token: str, variables: dict[str, Any]
) -> dict[str, Any]:
    payload = (await gql(api, token, REQUEST, {"input": variables}))["data"]["requestQuote"]
    assert payload["errors"] == [], payload
    return payload["quoteRequest"]
