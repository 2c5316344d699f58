"""Attach, list and read documents. Who may do which is catalog/access/; which documents a
caller sees is `visible_documents` (catalog/visibility.py). A document the caller may not see
is "not found", exactly like the entity it is attached to.

An upload is one write transaction: the file is checked first (type by content, size), then the
entity is read as the uploader sees it, the content stored (deduplicated by digest), the row
added, the upload audited, and for an end-user certificate the case's DOCUMENT_MISSING flag
re-evaluated. A refused upload writes nothing. Downloads are audited too.
"""

import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import (
    document_target_allows,
    require_document_uploader,
    visible_quotes,
)
from catalog.core.db import Database
from catalog.core.enums import DocumentKind
from catalog.core.errors import Codes, DomainError, not_found
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.documents.content import check_file
from catalog.documents.storage import DEFAULT_STORAGE, DocumentStorage
from catalog.licensing.documents import sync_document_flag
from catalog.models import Document, LicensingCase, Product, QuoteRequest
from catalog.visibility import visible_documents, visible_products


@dataclass(frozen=True)
class Upload:
    kind: DocumentKind
    filename: str | None
    content: bytes
    product_id: uuid.UUID | None = None
    quote_request_id: uuid.UUID | None = None


def _target_problems(upload: Upload, on_product: bool) -> None:
    given = (upload.product_id is not None, upload.quote_request_id is not None)
    wanted = (True, False) if on_product else (False, True)
    if given != wanted:
        field = "productId" if on_product else "quoteRequestId"
        raise DomainError.one(
            f"a {upload.kind} document is attached with {field} (and nothing else)",
            Codes.INVALID,
            field,
        )


async def _check_product(tx: WriteTransaction, principal: Principal, product_id: uuid.UUID) -> None:
    found = await tx.session.scalar(
        select(col(Product.id)).where(col(Product.id) == product_id, visible_products(principal))
    )
    if found is None:
        raise not_found("product", "productId")


async def _check_quote(
    tx: WriteTransaction, principal: Principal, kind: DocumentKind, quote_id: uuid.UUID
) -> LicensingCase:
    quote = await tx.session.scalar(
        select(QuoteRequest)
        .where(col(QuoteRequest.id) == quote_id, visible_quotes(principal))
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if quote is None:
        raise not_found("quote request", "quoteRequestId")
    case = await tx.session.scalar(
        select(LicensingCase)
        .where(col(LicensingCase.quote_request_id) == quote.id)
        .with_for_update()
    )
    assert case is not None  # a quote never exists without its case
    if not document_target_allows(kind, quote, case.status):
        raise DomainError.one(
            f"the quote takes no {kind} document while it is {quote.status} (case {case.status})",
            Codes.INVALID_TRANSITION,
            "quoteRequestId",
        )
    return case


async def _attach(
    db: Database, principal: Principal, upload: Upload, storage: DocumentStorage
) -> Document:
    checked = check_file(upload.filename, upload.content)
    async with write(db, principal) as tx:
        case = None
        if upload.product_id is not None:
            await _check_product(tx, principal, upload.product_id)
        else:
            assert upload.quote_request_id is not None
            case = await _check_quote(tx, principal, upload.kind, upload.quote_request_id)
        await storage.put(tx.session, checked.sha256, checked.content)
        assert principal.org_id is not None  # require_document_uploader
        document = Document(
            kind=upload.kind,
            filename=checked.filename,
            content_type=checked.content_type,
            size=checked.size,
            sha256=checked.sha256,
            product_id=upload.product_id,
            quote_request_id=upload.quote_request_id,
            org_id=principal.org_id,
            uploaded_by=principal.subject,
        )
        tx.session.add(document)
        entity = (
            ("Product", upload.product_id)
            if case is None
            else ("QuoteRequest", case.quote_request_id)
        )
        tx.audit(
            "document.uploaded",
            "Document",
            document.id,
            {
                "kind": upload.kind,
                "entity_type": entity[0],
                "entity_id": entity[1],
                "filename": checked.filename,
                "content_type": checked.content_type,
                "size": checked.size,
                "sha256": checked.sha256,
            },
        )
        if case is not None:
            await tx.session.flush()
            await sync_document_flag(tx, case)
    return document


async def upload_document(
    db: Database, principal: Principal, upload: Upload, storage: DocumentStorage = DEFAULT_STORAGE
) -> Document:
    rule = require_document_uploader(principal, upload.kind)
    _target_problems(upload, rule.on_product)
    try:
        return await _attach(db, principal, upload, storage)
    except IntegrityError:
        # The same bytes stored by a concurrent upload a moment ago: the blob now exists.
        return await _attach(db, principal, upload, storage)


async def documents_by_ids(
    session: AsyncSession, principal: Principal, ids: list[uuid.UUID]
) -> dict[uuid.UUID, Document]:
    rows = await session.scalars(
        select(Document).where(col(Document.id).in_(ids), visible_documents(principal))
    )
    return {row.id: row for row in rows}


async def documents_of(
    session: AsyncSession,
    principal: Principal,
    *,
    product_ids: list[uuid.UUID] | None = None,
    quote_ids: list[uuid.UUID] | None = None,
) -> dict[uuid.UUID, list[Document]]:
    """The visible documents of each product or quote, oldest first."""
    column = col(Document.product_id if product_ids is not None else Document.quote_request_id)
    ids = product_ids if product_ids is not None else quote_ids or []
    rows = await session.scalars(
        select(Document)
        .where(column.in_(ids), visible_documents(principal))
        .order_by(col(Document.created_at), col(Document.id))
    )
    grouped: dict[uuid.UUID, list[Document]] = {}
    for row in rows:
        key = row.product_id if product_ids is not None else row.quote_request_id
        assert key is not None
        grouped.setdefault(key, []).append(row)
    return grouped


async def download(
    db: Database,
    principal: Principal,
    document_id: uuid.UUID,
    storage: DocumentStorage = DEFAULT_STORAGE,
) -> tuple[Document, bytes]:
    """The document and its content, audited; NOT_FOUND when the caller may not see it."""
    async with write(db, principal) as tx:
        document = await tx.session.scalar(
            select(Document).where(col(Document.id) == document_id, visible_documents(principal))
        )
        if document is None:
            raise not_found("document")
        content = await storage.get(tx.session, document.sha256)
        if content is None:
            raise not_found("document content")
        tx.audit("document.downloaded", "Document", document.id, {"kind": document.kind})
    return document, content
