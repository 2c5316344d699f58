"""The Document type: a file attached to a product or a quote. Its content is downloaded from
`GET /documents/{id}` with the bearer token (api/documents.py)."""

import uuid
from datetime import datetime
from typing import Any, TypeAlias

import strawberry
from strawberry.types import Info

from catalog.core.enums import DocumentKind
from catalog.models import Document as DocumentRow
from schema.context import Context
from schema.loaders import document_loader
from schema.relay import Node, to_global_id

# strawberry.enum registers the class in place; the alias is the same class under a name mypy
# accepts as a type (as for the product enums).
strawberry.enum(
    DocumentKind,
    name="DocumentKind",
    description="DATASHEET (manufacturer, on its product), END_USER_CERTIFICATE (partner, on "
    "its quote), LICENCE (licensing, on an approved case's quote), OFFER (manufacturer, with "
    "its offer on a quote).",
)
DocumentKindEnum: TypeAlias = DocumentKind


@strawberry.type(description="A file attached to a product or a quote.")
class Document(Node):
    kind: DocumentKindEnum
    filename: str
    content_type: str = strawberry.field(description="Decided from the content, not the name.")
    size: int = strawberry.field(description="In bytes.")
    sha256: str = strawberry.field(description="Hex SHA-256 of the content.")
    created_at: datetime

    @strawberry.field(description="Where to download it: GET with the bearer token.")
    def download_url(self) -> str:
        return f"/documents/{self.id}"

    @classmethod
    def from_row(cls, row: DocumentRow) -> "Document":
        return cls(
            id=to_global_id("Document", row.id),
            kind=row.kind,
            filename=row.filename,
            content_type=row.content_type,
            size=row.size,
            sha256=row.sha256,
            created_at=row.created_at,
        )


async def load_document(info: Info[Context, Any], document_id: uuid.UUID) -> Document | None:
    row = await document_loader(info).load(document_id)
    return Document.from_row(row) if row is not None else None
