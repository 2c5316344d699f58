"""Quote mutations: partners request, withdraw, answer, accept or decline; manufacturers offer."""

import uuid
from collections.abc import Awaitable, Callable
from datetime import date
from decimal import Decimal
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.errors import not_found
from catalog.quotes import offers, workflow
from catalog.quotes import requests as domain
from catalog.quotes.requests import QuoteRow
from schema.context import Context
from schema.errors import UserError, mutation_payload
from schema.loaders import quote_case_loader
from schema.permissions import require
from schema.quotes.types import QuoteRequest
from schema.relay import id_of_type


@strawberry.input
class RequestQuoteInput:
    product_id: strawberry.ID
    quantity: int
    delivery_country: str
    end_user: str
    end_use: str
    idempotency_key: str
    co_production: bool | None = None
    required_by: date | None = None
    notes: str | None = None
    export_centre_id: strawberry.ID | None = strawberry.field(
        default=None,
        description="Deliver through this export centre (OPEN, with DELIVERY): routing sees its "
        "country as a transit country (flag VIA_EXPORT_CENTRE).",
    )


@strawberry.input
class WithdrawQuoteInput:
    quote_request_id: strawberry.ID
    reason: str | None = None


@strawberry.input
class AnswerInfoRequestInput:
    quote_request_id: strawberry.ID
    answer: str
    document_ids: list[strawberry.ID] | None = strawberry.field(
        default=None,
        description="Documents uploaded to this quote (uploadDocument) that the answer brings, "
        "e.g. the end-user certificate the officers asked for.",
    )


@strawberry.input
class RespondToQuoteInput:
    quote_request_id: strawberry.ID
    unit_price: Decimal
    currency: str
    lead_time_days: int
    valid_until: date


@strawberry.input
class QuoteRequestIdInput:
    quote_request_id: strawberry.ID


@strawberry.type
class QuoteRequestPayload:
    quote_request: QuoteRequest | None
    errors: list[UserError]


def _quote_id(global_id: str) -> uuid.UUID:
    quote_id = id_of_type(global_id, "QuoteRequest")
    if quote_id is None:
        raise not_found("quote request", "quoteRequestId")
    return quote_id


def _document_ids(global_ids: list[strawberry.ID] | None) -> list[uuid.UUID]:
    found = [id_of_type(global_id, "Document") for global_id in global_ids or []]
    if any(document_id is None for document_id in found):
        raise not_found("document", "documentIds")
    return [document_id for document_id in found if document_id is not None]


async def _payload(action: Callable[[], Awaitable[QuoteRow]]) -> QuoteRequestPayload:
    return await mutation_payload(
        action,
        lambda row: QuoteRequestPayload(quote_request=QuoteRequest.from_row(row), errors=[]),
        lambda errors: QuoteRequestPayload(quote_request=None, errors=errors),
    )


def _quote_input(source: RequestQuoteInput) -> domain.QuoteInput:
    product_id = id_of_type(source.product_id, "Product")
    if product_id is None:
        raise not_found("product", "productId")
    centre_id = None
    if source.export_centre_id is not None:
        centre_id = id_of_type(source.export_centre_id, "ExportCentre")
        if centre_id is None:
            raise not_found("export centre", "exportCentreId")
    return domain.QuoteInput(
        export_centre_id=centre_id,
        product_id=product_id,
        quantity=source.quantity,
        delivery_country=source.delivery_country,
        end_user=source.end_user,
        end_use=source.end_use,
        idempotency_key=source.idempotency_key,
        co_production=bool(source.co_production),
        required_by=source.required_by,
        notes=source.notes,
    )


@strawberry.type
class QuoteMutation:
    @strawberry.mutation(description="Partner: request a quote; it is routed into licensing.")
    async def request_quote(
        self, info: Info[Context, Any], input: RequestQuoteInput
    ) -> QuoteRequestPayload:
        require(info, "quotes:request")
        ctx = info.context

        async def action() -> QuoteRow:
            made = await domain.request(ctx.db, ctx.principal, _quote_input(input))
            if made.case is not None:
                # The case this request has just written: the answer need not read it back.
                quote_case_loader(info).prime(made.quote.id, made.case)
            return made.quote

        return await _payload(action)

    @strawberry.mutation(
        description="Partner: withdraw a quote request until an offer is accepted."
    )
    async def withdraw_quote(
        self, info: Info[Context, Any], input: WithdrawQuoteInput
    ) -> QuoteRequestPayload:
        require(info, "quotes:request")
        ctx = info.context
        return await _payload(
            lambda: workflow.withdraw_quote(
                ctx.db, ctx.principal, _quote_id(input.quote_request_id), input.reason
            )
        )

    @strawberry.mutation(description="Partner: answer the officers' request for information.")
    async def answer_info_request(
        self, info: Info[Context, Any], input: AnswerInfoRequestInput
    ) -> QuoteRequestPayload:
        require(info, "quotes:request")
        ctx = info.context
        return await _payload(
            lambda: workflow.answer_info_request(
                ctx.db,
                ctx.principal,
                _quote_id(input.quote_request_id),
                input.answer,
                _document_ids(input.document_ids),
            )
        )

    @strawberry.mutation(
        description="Manufacturer: make or revise the offer on a licensed quote request. An "
        "offer above the licensed value goes back to licensing review first."
    )
    async def respond_to_quote(
        self, info: Info[Context, Any], input: RespondToQuoteInput
    ) -> QuoteRequestPayload:
        require(info, "quotes:respond")
        ctx = info.context
        offer = offers.OfferInput(
            unit_price=input.unit_price,
            currency=input.currency,
            lead_time_days=input.lead_time_days,
            valid_until=input.valid_until,
        )
        return await _payload(
            lambda: offers.respond_to_quote(
                ctx.db, ctx.principal, _quote_id(input.quote_request_id), offer
            )
        )

    @strawberry.mutation(
        description="Partner: accept the manufacturer's offer; reserves the quote's units."
    )
    async def accept_offer(
        self, info: Info[Context, Any], input: QuoteRequestIdInput
    ) -> QuoteRequestPayload:
        require(info, "quotes:request")
        ctx = info.context
        return await _payload(
            lambda: offers.settle_offer(
                ctx.db, ctx.principal, _quote_id(input.quote_request_id), accept=True
            )
        )

    @strawberry.mutation(description="Partner: decline the manufacturer's offer.")
    async def decline_offer(
        self, info: Info[Context, Any], input: QuoteRequestIdInput
    ) -> QuoteRequestPayload:
        require(info, "quotes:request")
        ctx = info.context
        return await _payload(
            lambda: offers.settle_offer(
                ctx.db, ctx.principal, _quote_id(input.quote_request_id), accept=False
            )
        )
