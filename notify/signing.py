"""Webhook signatures: HMAC-SHA256 over `timestamp + "." + body` with the endpoint's secret,
sent as `X-Market-Signature: t=<unix seconds>,v1=<hex digest>`.

Receivers recompute the digest over the raw body, compare in constant time and refuse old
timestamps (replays); `verify` does exactly that and is what our own tests use.
"""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "X-Market-Signature"
DELIVERY_HEADER = "X-Market-Delivery"
EVENT_HEADER = "X-Market-Event"
DEFAULT_TOLERANCE_SECONDS = 300


def _digest(secret: str, timestamp: int, body: bytes) -> str:
    message = str(timestamp).encode() + b"." + body
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    moment = int(time.time()) if timestamp is None else timestamp
    return f"t={moment},v1={_digest(secret, moment, body)}"


def verify(
    secret: str,
    body: bytes,
    header: str,
    *,
    now: float | None = None,
    tolerance_seconds: int = DEFAULT_TOLERANCE_SECONDS,
) -> bool:
    parts = dict(item.split("=", 1) for item in header.split(",") if "=" in item)
    try:
        timestamp = int(parts["t"])
    except (KeyError, ValueError):
        return False
    moment = time.time() if now is None else now
    if abs(moment - timestamp) > tolerance_seconds:
        return False
    return hmac.compare_digest(parts.get("v1", ""), _digest(secret, timestamp, body))
