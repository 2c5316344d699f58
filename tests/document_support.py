"""Uploads with the GraphQL multipart request specification (real multipart bodies through
httpx), and the smallest valid files of each accepted type."""

import json
from typing import Any

import httpx

from schema.relay import to_global_id
from tests.tokens import bearer

PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 32
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 32

DOCUMENT_FIELDS = "id kind filename contentType size sha256 createdAt downloadUrl"
UPLOAD = f"""mutation($input: UploadDocumentInput!) {{ uploadDocument(input: $input) {{
  document {{ {DOCUMENT_FIELDS} }} errors {{ field code message }} }} }}"""


def upload_body(
    kind: str,
    *,
    product_id: str | None = None,
    quote_id: str | None = None,
    query: str = UPLOAD,
) -> dict[str, str]:
    given: dict[str, Any] = {"kind": kind, "file": None}
    if product_id is not None:
        given["productId"] = product_id
    if quote_id is not None:
        given["quoteRequestId"] = quote_id
    operations = {"query": query, "variables": {"input": given}}
    return {
        "operations": json.dumps(operations),
        "map": json.dumps({"0": ["variables.input.file"]}),
    }


async def post_upload(
    api: httpx.AsyncClient,
    token: str,
    kind: str,
    content: bytes,
    *,
    filename: str = "certificate.pdf",
    claimed_type: str = "application/pdf",
    product_id: str | None = None,
    quote_id: str | None = None,
) -> httpx.Response:
    return await api.post(
        "/graphql",
        data=upload_body(kind, product_id=product_id, quote_id=quote_id),
        files={"0": (filename, content, claimed_type)},
        headers=bearer(token),
    )


async def upload(
    api: httpx.AsyncClient, token: str, kind: str, content: bytes = PDF, **target: Any
) -> dict[str, Any]:
    """The `uploadDocument` payload (HTTP 200 asserted)."""
    response = await post_upload(api, token, kind, content, **target)
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body
    return dict(body["data"]["uploadDocument"])


async def attach_euc(api: httpx.AsyncClient, partner_token: str, quote_id: str) -> str:
    """The partner attaches an end-user certificate to its quote; the document's id."""
    payload = await upload(api, partner_token, "END_USER_CERTIFICATE", quote_id=quote_id)
    assert payload["errors"] == [], payload
    return str(payload["document"]["id"])


def product_gid(product_id: object) -> str:
    return str(to_global_id("Product", str(product_id)))
