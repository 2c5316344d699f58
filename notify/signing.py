"""Webhook signatures as the Standard Webhooks specification defines them.

Each delivery carries `webhook-id` (the delivery id, the same on every retry),
`webhook-timestamp` (Unix seconds of this attempt) and `webhook-signature`: `v1,<base64>` per
signing secret, space-separated, where the signature is HMAC-SHA256 over
`<id>.<timestamp>.<body>` keyed with the base64-decoded part of the `whsec_` secret. During a
secret rotation's grace period both secrets sign, so a receiver holding either one verifies.

Receivers use any Standard Webhooks library (`standardwebhooks` on PyPI:
`Webhook(secret).verify(body, headers)`), which also refuses timestamps more than five minutes
away (replays).
"""

import base64
import hashlib
import hmac
from collections.abc import Sequence

SECRET_PREFIX = "whsec_"  # noqa: S105 - the prefix, not a secret
ID_HEADER = "webhook-id"
TIMESTAMP_HEADER = "webhook-timestamp"
SIGNATURE_HEADER = "webhook-signature"


def secret_key(secret: str) -> bytes:
    """The key bytes of a `whsec_` secret (standard base64, as the specification writes it)."""
    if not secret.startswith(SECRET_PREFIX):
        raise ValueError("a webhook secret starts with whsec_")
    return base64.b64decode(secret[len(SECRET_PREFIX) :], validate=True)


def signature(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_key(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signed_headers(
    secrets_in_use: Sequence[str], message_id: str, timestamp: int, body: bytes
) -> dict[str, str]:
    """The three Standard Webhooks headers; one signature per secret in use."""
    if not secrets_in_use:
        raise ValueError("a delivery needs at least one signing secret")
    return {
        ID_HEADER: message_id,
        TIMESTAMP_HEADER: str(timestamp),
        SIGNATURE_HEADER: " ".join(
            signature(secret, message_id, timestamp, body) for secret in secrets_in_use
        ),
    }
