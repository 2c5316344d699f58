"""Every action the transition table forbids, tried over GraphQL in every quote status: each
answers INVALID_TRANSITION and writes nothing (SQLite and PostgreSQL).

Two actions are not a caller's to try: REVIEW_OFFER (an offer above the licensed value) and
CLOSE (the listing withdrawn); tests/test_integrity_*.py cover them."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from catalog.core.db import Database
from catalog.core.enums import QuoteStatus
from catalog.licensing.transitions import QUOTE_TRANSITIONS, QuoteAction
from schema.relay import to_global_id
from tests.graphql import gql
from tests.quote_graphql import (
    ACCEPT,
    ANSWER,
    DECIDE,
    DECLINE,
    QUOTE,
    RESPOND,
    STEP,
    offer_vars,
    request_vars,
    requested,
)
from tests.quote_helpers import counts, manufacturer_slug, principal_of, product_for

Tokens = dict[str, str]
INDIRECT = {QuoteAction.REVIEW_OFFER, QuoteAction.CLOSE}
# In the quote table for a held case only (officers may refuse a licence not yet used once its
# case is held): on a case that is not held the case table still forbids them.
WHEN_HELD = {(QuoteStatus.LICENSED, QuoteAction.REFUSE), (QuoteStatus.OFFERED, QuoteAction.REFUSE)}
WITHDRAW_PRODUCT = """mutation($id: ID!) { withdrawProduct(input: {productId: $id}) {
  product { id } errors { code } } }"""


async def _errors(
    api: httpx.AsyncClient, token: str, query: str, variables: dict[str, Any], name: str
) -> list[str]:
    payload = (await gql(api, token, query, variables))["data"][name]
    return [e["code"] for e in payload["errors"]]


def _actions(
    api: httpx.AsyncClient, t: Tokens
) -> dict[QuoteAction, Callable[[str, str], Awaitable[list[str]]]]:
    def decide(decision: str) -> Callable[[str, str], Awaitable[list[str]]]:
        async def run(_: str, case_id: str) -> list[str]:
            variables = {"input": {"caseId": case_id, "decision": decision, "reason": "r"}}
            return await _errors(api, t["officer"], DECIDE, variables, "decideCase")

        return run

    async def withdraw(quote_id: str, _: str) -> list[str]:
        return await _errors(api, t["partner"], STEP, {"id": quote_id}, "withdraw")

    async def answer(quote_id: str, _: str) -> list[str]:
        variables = {"id": quote_id, "answer": "a"}
        return await _errors(api, t["partner"], ANSWER, variables, "answerInfoRequest")

    async def respond(quote_id: str, _: str) -> list[str]:
        return await _errors(
            api, t["maker"], RESPOND, {"input": offer_vars(quote_id)}, "respondToQuote"
        )

    async def accept(quote_id: str, _: str) -> list[str]:
        return await _errors(api, t["partner"], ACCEPT, {"id": quote_id}, "acceptOffer")

    async def decline(quote_id: str, _: str) -> list[str]:
        return await _errors(api, t["partner"], DECLINE, {"id": quote_id}, "declineOffer")

    async def close(_: str, __: str) -> list[str]:
        # the listing withdrawn closes its open quotes (the last status tried)
        variables = {"id": t["product"]}
        return await _errors(api, t["maker"], WITHDRAW_PRODUCT, variables, "withdrawProduct")

    return {
        QuoteAction.CLOSE: close,
        QuoteAction.WITHDRAW: withdraw,
        QuoteAction.ANSWER_INFO: answer,
        QuoteAction.RESPOND: respond,
        QuoteAction.ACCEPT: accept,
        QuoteAction.DECLINE: decline,
        QuoteAction.APPROVE: decide("APPROVE"),
        QuoteAction.REFUSE: decide("REFUSE"),
        QuoteAction.REQUEST_INFO: decide("REQUEST_INFO"),
    }


# How to reach each status from a fresh quote (whose case needs one approval).
PATHS: dict[QuoteStatus, list[QuoteAction]] = {
    QuoteStatus.LICENSING_REVIEW: [],
    QuoteStatus.INFO_REQUESTED: [QuoteAction.REQUEST_INFO],
    QuoteStatus.LICENSED: [QuoteAction.APPROVE],
    QuoteStatus.OFFERED: [QuoteAction.APPROVE, QuoteAction.RESPOND],
    QuoteStatus.ACCEPTED: [QuoteAction.APPROVE, QuoteAction.RESPOND, QuoteAction.ACCEPT],
    QuoteStatus.DECLINED: [QuoteAction.APPROVE, QuoteAction.RESPOND, QuoteAction.DECLINE],
    QuoteStatus.REFUSED: [QuoteAction.REFUSE],
    QuoteStatus.WITHDRAWN: [QuoteAction.WITHDRAW],
    QuoteStatus.CLOSED: [QuoteAction.CLOSE],  # last: it withdraws the product
}


async def test_every_forbidden_action_in_every_status(
    api: httpx.AsyncClient, db: Database, token_for: Any
) -> None:
    pl = await principal_of(db, "demo-partner-PL")
    product = await product_for(db, pl)
    tokens = {
        "partner": await token_for("demo-partner-PL"),
        "officer": await token_for("demo-licensing"),
        "maker": await token_for(await manufacturer_slug(db, product)),
        "product": to_global_id("Product", product.id),
    }
    actions = _actions(api, tokens)
    assert set(PATHS) == set(QuoteStatus)
    tried = 0
    for status, path in PATHS.items():
        quote = await requested(api, tokens["partner"], request_vars(product.id))
        quote_id, case_id = quote["id"], quote["licensingCase"]["id"]
        assert quote["licensingCase"]["approvalsRequired"] == 1
        for step in path:
            assert await actions[step](quote_id, case_id) == [], (status, step)
        view = await gql(api, tokens["partner"], QUOTE, {"id": quote_id})
        assert view["data"]["quoteRequest"]["status"] == status
        before = await counts(db)
        for action, run in actions.items():
            allowed = (status, action) in QUOTE_TRANSITIONS and (status, action) not in WHEN_HELD
            if allowed or action in INDIRECT:
                continue
            assert await run(quote_id, case_id) == ["INVALID_TRANSITION"], (status, action)
            tried += 1
        assert await counts(db) == before, status
        view = await gql(api, tokens["partner"], QUOTE, {"id": quote_id})
        assert view["data"]["quoteRequest"]["status"] == status
    direct = {pair for pair in QUOTE_TRANSITIONS if pair[1] not in INDIRECT} - WHEN_HELD
    assert tried == len(QuoteStatus) * (len(QuoteAction) - len(INDIRECT)) - len(direct)
