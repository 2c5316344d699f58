"""Curators decide revisions of published listings; curators and licensing read the queue."""

import uuid
from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.enums import RevisionStatus
from catalog.core.errors import DomainError, not_found
from catalog.models import Product as ProductRow
from catalog.models import ProductRevision as RevisionRow
from catalog.products import revisions as domain
from schema.context import Context
from schema.errors import UserError, mutation_payload
from schema.permissions import require
from schema.products.revisions import ProductRevision, RevisionStatusEnum
from schema.products.types import Product
from schema.relay import Connection, bad_input, connection, id_of_type, page_size


@strawberry.input
class RevisionIdInput:
    revision_id: strawberry.ID


@strawberry.input
class RejectRevisionInput:
    revision_id: strawberry.ID
    note: str


@strawberry.type
class ProductRevisionPayload:
    revision: ProductRevision | None
    product: Product | None
    errors: list[UserError]


def _revision_id(global_id: str) -> uuid.UUID:
    revision_id = id_of_type(global_id, "ProductRevision")
    if revision_id is None:
        raise not_found("revision", "revisionId")
    return revision_id


def _success(result: tuple[RevisionRow, ProductRow]) -> ProductRevisionPayload:
    revision, product = result
    return ProductRevisionPayload(
        revision=ProductRevision.from_row(revision), product=Product.from_row(product), errors=[]
    )


def _failure(errors: list[UserError]) -> ProductRevisionPayload:
    return ProductRevisionPayload(revision=None, product=None, errors=errors)


@strawberry.type
class RevisionMutation:
    @strawberry.mutation(
        description="Curator: approve a pending revision; its changes go live at once."
    )
    async def approve_revision(
        self, info: Info[Context, Any], input: RevisionIdInput
    ) -> ProductRevisionPayload:
        require(info, "catalog:curate")
        ctx = info.context
        return await mutation_payload(
            lambda: domain.approve_revision(ctx.db, ctx.principal, _revision_id(input.revision_id)),
            _success,
            _failure,
        )

    @strawberry.mutation(
        description="Curator: reject a pending revision with a note; the listing stays as it is."
    )
    async def reject_revision(
        self, info: Info[Context, Any], input: RejectRevisionInput
    ) -> ProductRevisionPayload:
        require(info, "catalog:curate")
        ctx = info.context
        return await mutation_payload(
            lambda: domain.reject_revision(
                ctx.db, ctx.principal, _revision_id(input.revision_id), input.note
            ),
            _success,
            _failure,
        )


@strawberry.type
class RevisionQuery:
    @strawberry.field(
        description="Revisions of listings, oldest first: the review queue (pending by "
        "default). Curators, licensing officers and manufacturers (their own listings)."
    )
    async def product_revisions(
        self,
        info: Info[Context, Any],
        status: RevisionStatusEnum | None = RevisionStatus.PENDING,
        requires_licensing_review: bool | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> Connection[ProductRevision]:
        require(info, "catalog:read")
        size = page_size(info, first)
        principal = info.context.principal
        revision_filter = domain.RevisionFilter(status, requires_licensing_review)
        try:
            async with info.context.db.read() as session:
                page = await domain.list_revisions(
                    session, principal, revision_filter, first=size, after=after
                )
        except DomainError as error:
            raise bad_input(error.problems[0].message) from error
        return connection(
            [ProductRevision.from_row(row) for row in page.items],
            page,
            after,
            lambda session: domain.count_revisions(session, principal, revision_filter),
        )
