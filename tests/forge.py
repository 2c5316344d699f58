"""Hand-made tokens for refusal tests: re-signed, tampered, unsigned or signed by a wrong key."""

import base64
import hashlib
import hmac
import json
from typing import Any

from joserfc import jwt
from joserfc.jwk import ECKey
from sqlalchemy import select

from auth.keys import private_key
from auth.verify import unverified_parts
from catalog.core.db import Database
from catalog.models import SigningKey


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).decode().rstrip("=")


def claims_of(token: str) -> dict[str, Any]:
    return unverified_parts(token)[1]


def header_of(token: str) -> dict[str, Any]:
    return unverified_parts(token)[0]


async def current_key(db: Database) -> ECKey:
    async with db.read() as session:
        row = (
            await session.execute(
                select(SigningKey)
                .where(SigningKey.retired_at.is_(None))
                .order_by(SigningKey.created_at.desc())
            )
        ).scalar()
    assert row is not None
    return private_key(row)


def sign(claims: dict[str, Any], key: ECKey, **header: Any) -> str:
    """ES256, `typ: at+jwt`, with the key's kid (its thumbprint if it has none) unless the header
    says otherwise."""
    key.ensure_kid()
    protected = {"alg": "ES256", "typ": "at+jwt", "kid": key.kid, **header}
    return jwt.encode(protected, claims, key)


def unsigned(claims: dict[str, Any], kid: str) -> str:
    head = {"alg": "none", "typ": "at+jwt", "kid": kid}
    return f"{_b64(json.dumps(head).encode())}.{_b64(json.dumps(claims).encode())}."


def hmac_signed(claims: dict[str, Any], secret: bytes, kid: str) -> str:
    """HS256 with `secret` as the HMAC key: the classic attack passes the public key here."""
    head = {"alg": "HS256", "typ": "at+jwt", "kid": kid}
    signing_input = f"{_b64(json.dumps(head).encode())}.{_b64(json.dumps(claims).encode())}"
    mac = hmac.new(secret, signing_input.encode(), hashlib.sha256).digest()
    return f"{signing_input}.{_b64(mac)}"
