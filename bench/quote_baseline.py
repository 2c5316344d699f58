"""The `requestQuote` baseline: the same domain call as the mutation, answered as plain JSON.

The body is the mutation's `input` as JSON; the answer has the shape and field order of the
scenario's GraphQL selection (bench/quote_scenario.py). The licensing case is the one the
request wrote, as the GraphQL layer primes its DataLoader with it, or (for an earlier
request's quote) read the way that DataLoader reads it, so both variants run the same SQL.
"""

import json
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from catalog.core.db import Database
from catalog.core.errors import DomainError, not_found
from catalog.core.ids import to_global_id
from catalog.core.principal import Principal
from catalog.licensing import cases as licensing_cases
from catalog.models import LicensingCase, QuoteRequest
from catalog.quotes import requests as quotes


def quote_input(data: dict[str, Any]) -> quotes.QuoteInput:
    """What `schema.quotes.mutations._quote_input` builds from the GraphQL input."""
    from schema.relay import id_of_type

    product_id = id_of_type(data["productId"], "Product")
    if product_id is None:
        raise not_found("product", "productId")
    required_by = data.get("requiredBy")
    return quotes.QuoteInput(
        product_id=product_id,
        quantity=int(data["quantity"]),
        delivery_country=data["deliveryCountry"],
        end_user=data["endUser"],
        end_use=data["endUse"],
        idempotency_key=data["idempotencyKey"],
        co_production=bool(data.get("coProduction")),
        required_by=date.fromisoformat(required_by) if required_by else None,
        notes=data.get("notes"),
    )


def _quote_json(quote: QuoteRequest, case: LicensingCase | None) -> dict[str, Any]:
    return {
        "id": to_global_id("QuoteRequest", quote.id),
        "status": quote.status.value,
        "notes": quote.notes,
        "licensingCase": None
        if case is None
        else {
            "id": to_global_id("LicensingCase", case.id),
            "queue": case.queue,
            "status": case.status.value,
        },
    }


def _answer(payload: dict[str, Any]) -> Response:
    body = json.dumps({"data": {"requestQuote": payload}}, separators=(",", ":"))
    return Response(body, media_type="application/json")


async def request_quote(request: Request, principal: Principal, db: Database) -> Response:
    try:
        made = await quotes.request(db, principal, quote_input(await request.json()))
    except DomainError as error:
        errors = [{"field": p.field, "message": p.message, "code": p.code} for p in error.problems]
        return _answer({"quoteRequest": None, "errors": errors})
    case = made.case
    if case is None:  # an earlier request's quote
        async with db.read() as session:
            case = (await licensing_cases.cases_for_quotes(session, [made.quote.id])).get(
                made.quote.id
            )
    return _answer({"quoteRequest": _quote_json(made.quote, case), "errors": []})
