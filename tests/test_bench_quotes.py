"""The quotes benchmark scenario: both variants send the same input, are compared on what
must agree, and the harness counts quotes and cases straight from the database."""

import asyncio
import json
from datetime import date

from bench.dataset import load_dataset
from bench.quote_baseline import quote_input as baseline_input
from bench.quote_scenario import QUOTES, count_rows, essentials, quote_input
from bench.scenarios import KEY_PLACEHOLDER, ScenarioContext
from catalog.core.db import Database
from schema.quotes.mutations import RequestQuoteInput, _quote_input
from schema.relay import to_global_id

PRODUCT = str(to_global_id("Product", "5f2b0c3e-7a4d-4c1e-9b8a-2d6f1e0a3c57"))
CTX = ScenarioContext(1000, PRODUCT, quotable_product_id=PRODUCT, partner_country="DK")


def test_the_baseline_reads_the_input_as_the_mutation_does() -> None:
    given = {**quote_input(CTX), "idempotencyKey": "k-1-1", "notes": "k-1-1"}
    graphql = RequestQuoteInput(
        product_id=given["productId"],
        quantity=given["quantity"],
        delivery_country=given["deliveryCountry"],
        end_user=given["endUser"],
        end_use=given["endUse"],
        idempotency_key=given["idempotencyKey"],
        co_production=given["coProduction"],
        required_by=date.fromisoformat(given["requiredBy"]),
        notes=given["notes"],
    )
    assert baseline_input(given) == _quote_input(graphql)
    assert given["deliveryCountry"] == "DK" and given["endUser"] == "Denmark Armed Forces"
    assert date.fromisoformat(given["requiredBy"]) > date.today()


def test_both_variants_carry_the_key_placeholder_and_ask_for_quote_scopes() -> None:
    variants = QUOTES.build(CTX)
    assert [v.label for v in variants] == ["graphql", "baseline"]
    for variant in variants:
        assert variant.keyed and variant.body.count(KEY_PLACEHOLDER.encode()) == 2
    sent = json.loads(variants[0].body)["variables"]["input"]
    assert sent == json.loads(variants[1].body)
    assert QUOTES.scopes == ("quotes:request", "quotes:read") and QUOTES.writes


def _answer(quote_id: str, key: str, case_id: str | None) -> dict:
    case = case_id and {"id": case_id, "queue": "FAST_TRACK", "status": "OPEN"}
    quote = {"id": quote_id, "status": "LICENSING_REVIEW", "notes": key, "licensingCase": case}
    return {"data": {"requestQuote": {"quoteRequest": quote, "errors": []}}}


def test_answers_agree_on_status_and_case_not_on_ids_or_keys() -> None:
    one = essentials(_answer("UXVvdGU6MQ==", "a-1-1", "Q2FzZTox"))
    assert one == essentials(_answer("UXVvdGU6Mg==", "b-1-1", "Q2FzZToy"))
    assert one["case"] == {"exists": True, "queue": "FAST_TRACK", "status": "OPEN"}
    assert one != essentials(_answer("UXVvdGU6MQ==", "a-1-1", None))
    refused = {"data": {"requestQuote": {"quoteRequest": None, "errors": [{"code": "INVALID"}]}}}
    assert essentials(refused) == {"errors": [{"code": "INVALID"}], "status": None, "case": None}


async def test_rows_are_counted_straight_from_the_database(database_url: str) -> None:
    ctx = ScenarioContext(50, PRODUCT, database_url=database_url)
    # The harness counts from its measuring thread, outside any event loop; so does the test.
    assert await asyncio.to_thread(count_rows, ctx) == {"quotes": 0, "cases": 0}
    db = Database(database_url, pool_size=2)
    try:
        report = await load_dataset(db, 50, seed=3)
    finally:
        await db.dispose()
    counted = await asyncio.to_thread(count_rows, ctx)
    assert counted == {"quotes": report.quotes, "cases": report.cases}
