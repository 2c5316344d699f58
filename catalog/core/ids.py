"""Global object IDs (Relay): opaque to clients, "Type:uuid" underneath. They live in the domain
because messages leaving the service (webhook payloads) name objects the way the API does."""

import base64
import binascii
import uuid

_URL_SAFE = bytes.maketrans(b"+/", b"-_")


def to_global_id(type_name: str, value: uuid.UUID | str) -> str:
    # base64.urlsafe_b64encode's own steps, without its two layers of calls around them
    raw = f"{type_name}:{value}".encode()
    return binascii.b2a_base64(raw, newline=False).translate(_URL_SAFE).decode().rstrip("=")


def parse_global_id(global_id: str) -> tuple[str, uuid.UUID] | None:
    """(type name, uuid), or None for anything malformed."""
    try:
        padded = global_id + "=" * (-len(global_id) % 4)
        type_name, _, raw = base64.urlsafe_b64decode(padded.encode()).decode().partition(":")
        return type_name, uuid.UUID(raw)
    except (ValueError, binascii.Error, UnicodeDecodeError):
        return None
