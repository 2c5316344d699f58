"""`uploadDocument`: a file sent with the GraphQL multipart request specification (the HTTP
side is api/graphql/multipart.py), attached to a product or a quote."""

import uuid
from typing import Any, Protocol

import strawberry
from strawberry.file_uploads import Upload
from strawberry.types import Info

from catalog.access import DOCUMENT_UPLOADS
from catalog.core.enums import DocumentKind
from catalog.core.errors import Codes, DomainError, not_found
from catalog.documents import service as domain
from catalog.documents.content import MAX_DOCUMENT_BYTES, TOO_LARGE
from catalog.models import Document as DocumentRow
from schema.context import Context
from schema.documents.types import Document, DocumentKindEnum
from schema.errors import UserError, mutation_payload
from schema.permissions import require
from schema.relay import id_of_type


class UploadedFile(Protocol):
    """What the transport puts in the `file` variable (a Starlette UploadFile)."""

    filename: str | None

    async def read(self, size: int = -1) -> bytes: ...


@strawberry.input
class UploadDocumentInput:
    kind: DocumentKindEnum
    file: Upload = strawberry.field(
        description="The file part of a multipart request (PDF, PNG or JPEG; 10 MB at most)."
    )
    product_id: strawberry.ID | None = strawberry.field(
        default=None, description="For a DATASHEET."
    )
    quote_request_id: strawberry.ID | None = strawberry.field(
        default=None, description="For an END_USER_CERTIFICATE, a LICENCE or an OFFER."
    )


@strawberry.type
class DocumentPayload:
    document: Document | None
    errors: list[UserError]


def _optional_id(global_id: str | None, type_name: str, field: str) -> uuid.UUID | None:
    if global_id is None:
        return None
    found = id_of_type(global_id, type_name)
    if found is None:
        raise not_found(type_name, field)
    return found


async def _read(file: Any) -> tuple[str | None, bytes]:
    """At most one byte past the limit: enough to refuse, never the whole of a huge part."""
    if not hasattr(file, "read"):
        raise DomainError.one("send the file as a multipart request part", Codes.INVALID, "file")
    uploaded: UploadedFile = file
    content = await uploaded.read(MAX_DOCUMENT_BYTES + 1)
    if len(content) > MAX_DOCUMENT_BYTES:
        raise DomainError.one(
            f"the file is over the limit of {MAX_DOCUMENT_BYTES} bytes", TOO_LARGE, "file"
        )
    return uploaded.filename, content


@strawberry.type
class DocumentMutation:
    @strawberry.mutation(
        description="Attach a document (multipart request): a DATASHEET to one's own product, "
        "an END_USER_CERTIFICATE to one's own quote under review, a LICENCE to a quote whose "
        "case is approved, an OFFER document to a licensed quote of one's product."
    )
    async def upload_document(
        self, info: Info[Context, Any], input: UploadDocumentInput
    ) -> DocumentPayload:
        kind = DocumentKind(input.kind)
        require(info, DOCUMENT_UPLOADS[kind].scope)
        ctx = info.context

        async def attach() -> DocumentRow:
            filename, content = await _read(input.file)
            upload = domain.Upload(
                kind=kind,
                filename=filename,
                content=content,
                product_id=_optional_id(input.product_id, "Product", "productId"),
                quote_request_id=_optional_id(
                    input.quote_request_id, "QuoteRequest", "quoteRequestId"
                ),
            )
            return await domain.upload_document(ctx.db, ctx.principal, upload)

        return await mutation_payload(
            attach,
            lambda row: DocumentPayload(document=Document.from_row(row), errors=[]),
            lambda errors: DocumentPayload(document=None, errors=errors),
        )
