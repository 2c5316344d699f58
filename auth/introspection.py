"""RFC 7662 introspection and RFC 7009 revocation on authlib's endpoint classes.

As for the token endpoint, the async work happens first: the token is verified (signature,
claims, its client, the denylist) and the calling client loaded; authlib then authenticates the
caller and applies the rules below to what was found.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from authlib.oauth2.rfc6749 import TokenMixin
from authlib.oauth2.rfc7009 import RevocationEndpoint
from authlib.oauth2.rfc7662 import IntrospectionEndpoint
from sqlalchemy import delete, select
from sqlmodel import col

from auth import scopes as scope_set
from auth.clients import ClientRecord
from auth.server import AUTH_METHODS, Client
from auth.verify import VerifiedToken
from catalog.core.db import Database
from catalog.core.enums import OrgKind
from catalog.core.principal import SYSTEM, Principal
from catalog.core.transactions import write
from catalog.models import RevokedToken
from catalog.models.base import utcnow

# Organisations that oversee the whole market and may introspect anyone's tokens.
OVERSEERS = frozenset({OrgKind.CURATOR, OrgKind.LICENSING})


@dataclass(frozen=True)
class FoundToken(TokenMixin):
    """A token that passed every check (signature, claims, client, denylist) just now."""

    verified: VerifiedToken
    client: ClientRecord

    def check_client(self, client: Client) -> bool:
        """Revocation: a client may revoke its own organisation's tokens; curators anyone's."""
        caller = client.record
        return caller.org.id == self.client.org.id or caller.org.kind is OrgKind.CURATOR

    def get_scope(self) -> str:
        return scope_set.render(self.verified.scopes & self.client.effective_scopes)

    def get_expires_in(self) -> int:
        return int(self.verified.claims["exp"]) - int(self.verified.claims["iat"])

    def is_expired(self) -> bool:
        return self.verified.expires_at <= int(datetime.now(UTC).timestamp())

    def is_revoked(self) -> bool:
        return False  # a revoked token is never found: the denylist was checked


class Introspection(IntrospectionEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS
    SUPPORTED_TOKEN_TYPES = ("access_token",)

    def __init__(self, found: FoundToken | None) -> None:
        super().__init__()
        self.found = found

    def query_token(self, token_string: str, token_type_hint: str | None) -> FoundToken | None:
        return self.found

    def check_permission(self, token: FoundToken, client: Client, request: Any) -> bool:
        """An organisation's client sees its own organisation's tokens; overseers see all."""
        caller = client.record
        return caller.org.kind in OVERSEERS or caller.org.id == token.client.org.id

    def introspect_token(self, token: FoundToken) -> dict[str, Any]:
        claims = token.verified.claims
        return {
            "active": True,
            "token_type": "Bearer",
            "scope": token.get_scope(),
            "client_id": token.client.client_id,
            "sub": claims["sub"],
            "aud": claims["aud"],
            "iss": claims["iss"],
            "exp": claims["exp"],
            "iat": claims["iat"],
            "jti": claims["jti"],
            "org": str(token.client.org.id),
            "org_slug": token.client.org.slug,
        }


class Revocation(RevocationEndpoint):
    CLIENT_AUTH_METHODS = AUTH_METHODS
    SUPPORTED_TOKEN_TYPES = ("access_token",)

    def __init__(self, found: FoundToken | None) -> None:
        super().__init__()
        self.found = found
        self.to_revoke: FoundToken | None = None
        self.revoked_by: ClientRecord | None = None

    def query_token(self, token_string: str, token_type_hint: str | None) -> FoundToken | None:
        return self.found

    def revoke_token(self, token: FoundToken, request: Any) -> None:
        """authlib is synchronous: remember the decision; the caller writes it afterwards."""
        self.to_revoke = token
        self.revoked_by = request.client.record if request.client else None


def client_principal(client: ClientRecord) -> Principal:
    return Principal.for_organisation(
        client.org,
        subject=client.client_id,
        client_id=client.client_id,
        scopes=client.effective_scopes,
    )


async def deny(db: Database, token: FoundToken, by: ClientRecord) -> None:
    """Put the token's jti on the denylist until the token would have expired anyway."""
    expires_at = datetime.fromtimestamp(token.verified.expires_at, UTC)
    async with write(db, client_principal(by)) as tx:
        already = await tx.session.scalar(
            select(col(RevokedToken.jti)).where(col(RevokedToken.jti) == token.verified.jti)
        )
        if already is None:
            tx.session.add(RevokedToken(jti=token.verified.jti, expires_at=expires_at))
        tx.audit(
            "access_token.revoked",
            "AccessToken",
            token.verified.jti,
            {"client_id": token.client.client_id, "org": token.client.org.slug},
        )


async def prune_denylist(db: Database) -> int:
    """Forget revoked jtis whose tokens have expired: those are refused on `exp` alone."""
    async with db.read() as session:
        stale = list(
            (
                await session.execute(
                    select(col(RevokedToken.jti)).where(col(RevokedToken.expires_at) < utcnow())
                )
            ).scalars()
        )
    if stale:
        async with write(db, SYSTEM) as tx:
            await tx.session.execute(delete(RevokedToken).where(col(RevokedToken.jti).in_(stale)))
            tx.audit("access_token.denylist_pruned", "RevokedToken", "*", {"removed": len(stale)})
    return len(stale)
