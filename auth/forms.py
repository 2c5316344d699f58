"""The request bodies of the OAuth endpoints: small url-encoded forms, refused with 413 once
they are known to be larger than that, never read further.

The same limit is applied twice: by the ASGI middleware in front of the endpoints
(api/token_attempts.py), which must read the form before any secret is checked, and by the
endpoints themselves, so that they stay bounded wherever they are mounted."""

import base64
import binascii
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from urllib.parse import unquote

from starlette.responses import JSONResponse, Response

MAX_FORM_BYTES = 16 * 1024
NO_STORE = {"Cache-Control": "no-store", "Pragma": "no-cache"}


class BodyTooLarge(Exception):
    """The body is over MAX_FORM_BYTES: answered 413 without reading the rest."""


def declared_too_large(content_length: str | None, limit: int = MAX_FORM_BYTES) -> bool:
    """Whether the Content-Length header alone says the body is over the limit."""
    return content_length is not None and content_length.isdigit() and int(content_length) > limit


async def bounded(chunks: AsyncIterator[bytes], limit: int = MAX_FORM_BYTES) -> bytes:
    """The whole body, or BodyTooLarge as soon as more than `limit` bytes have arrived."""
    received: list[bytes] = []
    size = 0
    async for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise BodyTooLarge
        received.append(chunk)
    return b"".join(received)


def oauth_error(status: int, error: str, description: str, **headers: str) -> Response:
    return JSONResponse(
        {"error": error, "error_description": description},
        status_code=status,
        headers={**headers, **NO_STORE},
    )


def too_large() -> Response:
    # Whatever the client still sends is not read: the connection is not reused.
    return oauth_error(
        413,
        "invalid_request",
        f"the request body is over the limit of {MAX_FORM_BYTES} bytes",
        Connection="close",
    )


def invalid_client(description: str) -> Response:
    return oauth_error(401, "invalid_client", description, **{"WWW-Authenticate": "Basic"})


class MalformedCredentials(Exception):
    """An `Authorization: Basic` header that does not hold `id:secret` in UTF-8."""


@dataclass(frozen=True, slots=True)
class BasicCredentials:
    client_id: str
    client_secret: str


def basic_credentials(headers: Mapping[str, str]) -> BasicCredentials | None:
    """The client credentials of an `Authorization: Basic` header (RFC 6749 §2.3.1: each part
    form-urlencoded, then base64); None for no header or another scheme."""
    scheme, _, encoded = headers.get("authorization", "").strip().partition(" ")
    if scheme.lower() != "basic":
        return None
    try:
        decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
    except (binascii.Error, ValueError) as error:  # UnicodeDecodeError is a ValueError
        raise MalformedCredentials("the Basic credentials are not base64 of UTF-8") from error
    client_id, colon, secret = decoded.partition(":")
    if not colon:
        raise MalformedCredentials("the Basic credentials need the form id:secret")
    try:
        return BasicCredentials(
            unquote(client_id, errors="strict"), unquote(secret, errors="strict")
        )
    except UnicodeDecodeError as error:
        raise MalformedCredentials("the Basic credentials are not UTF-8") from error
