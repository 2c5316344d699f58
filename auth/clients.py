"""OAuth clients: each belongs to one organisation and holds a subset of its kind's scopes."""

import secrets
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import col

from auth import scopes as scope_set
from auth.secrets import hash_secret, new_secret, verify_secret
from catalog.core.db import Database
from catalog.core.enums import OrgKind, VettingStatus
from catalog.core.errors import Codes, DomainError, not_found
from catalog.core.principal import SYSTEM
from catalog.core.transactions import write
from catalog.models import OAuthClient, Organisation
from catalog.models.base import utcnow


@dataclass(frozen=True, slots=True)
class CreatedClient:
    client_id: str
    client_secret: str  # shown once; only its hash is stored


@dataclass(frozen=True, slots=True)
class ClientOrganisation:
    """The organisation columns read with a client: what `Principal.for_organisation` needs,
    without loading the whole row on every request."""

    id: uuid.UUID
    slug: str
    name: str
    kind: OrgKind
    country: str
    vetting: VettingStatus


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """A client joined with its organisation, as the token service needs it."""

    client_id: str
    secret_hash: str
    name: str
    allowed_scopes: frozenset[str]
    revoked: bool
    org: ClientOrganisation

    @property
    def effective_scopes(self) -> frozenset[str]:
        """What the client may be granted today: its own list, cut down to its kind's set."""
        return self.allowed_scopes & scope_set.for_kind(self.org.kind)

    def check_secret(self, secret: str) -> bool:
        return verify_secret(secret, self.secret_hash)


def _disallowed(kind: OrgKind, requested: list[str]) -> list[str]:
    allowed = scope_set.for_kind(kind)
    return sorted({s for s in requested if s not in allowed})


async def create_client(
    db: Database, *, org_slug: str, scopes: list[str] | None, name: str
) -> CreatedClient:
    """Create a client for an organisation; `scopes=None` grants every scope of its kind."""
    async with db.read() as session:
        org = await session.scalar(select(Organisation).where(col(Organisation.slug) == org_slug))
    if org is None:
        raise not_found("organisation", "org_slug")
    if scopes is not None:
        refused = _disallowed(org.kind, scopes)
        if refused:
            raise DomainError.one(
                f"a {org.kind.value} organisation may not hold: {', '.join(refused)}",
                Codes.INVALID,
                "scopes",
            )
        if not scopes:
            raise DomainError.one("a client needs at least one scope", Codes.INVALID, "scopes")
    granted = scope_set.for_kind(org.kind) if scopes is None else frozenset(scopes)
    client_id = f"mkt_{secrets.token_urlsafe(18)}"
    secret = new_secret()
    async with write(db, SYSTEM) as tx:
        tx.session.add(
            OAuthClient(
                client_id=client_id,
                secret_hash=hash_secret(secret),
                org_id=org.id,
                name=name,
                scopes=scope_set.render(granted),
            )
        )
        tx.audit(
            "oauth_client.created",
            "OAuthClient",
            client_id,
            {"org": org.slug, "name": name, "scopes": sorted(granted)},
        )
    return CreatedClient(client_id=client_id, client_secret=secret)


async def revoke_client(db: Database, client_id: str) -> None:
    """Revoke a client: it can no longer get tokens, and its existing tokens stop working."""
    async with write(db, SYSTEM) as tx:
        client = await tx.session.get(OAuthClient, client_id)
        if client is None:
            raise not_found("client", "client_id")
        client.revoked_at = utcnow()
        tx.audit("oauth_client.revoked", "OAuthClient", client_id, {})


def client_query() -> Select[*tuple[Any, ...]]:
    """The columns of a ClientRecord; callers add their own where clause."""
    return select(
        col(OAuthClient.client_id),
        col(OAuthClient.secret_hash),
        col(OAuthClient.name),
        col(OAuthClient.scopes),
        col(OAuthClient.revoked_at),
        col(Organisation.id),
        col(Organisation.slug),
        col(Organisation.name),
        col(Organisation.kind),
        col(Organisation.country),
        col(Organisation.vetting),
    ).join(Organisation, col(Organisation.id) == col(OAuthClient.org_id))


def record_from_row(row: Sequence[Any]) -> ClientRecord:
    client_id, secret_hash, name, scopes, revoked_at, org_id, slug, org_name, kind, country, vet = (
        row[:11]
    )
    return ClientRecord(
        client_id=client_id,
        secret_hash=secret_hash,
        name=name,
        allowed_scopes=scope_set.parse(scopes),
        revoked=revoked_at is not None,
        org=ClientOrganisation(
            id=org_id,
            slug=slug,
            name=org_name,
            kind=OrgKind(kind),
            country=country,
            vetting=VettingStatus(vet),
        ),
    )


async def load_clients(db: Database, client_ids: set[str]) -> dict[str, ClientRecord]:
    if not client_ids:
        return {}
    async with db.read() as session:
        rows = await session.execute(
            client_query().where(col(OAuthClient.client_id).in_(client_ids))
        )
    return {row[0]: record_from_row(tuple(row)) for row in rows}
