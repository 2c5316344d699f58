"""OAuth clients: each belongs to one organisation and holds a subset of its kind's scopes."""

import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select
from sqlmodel import col

from auth import scopes as scope_set
from auth.secrets import verify_secret
from catalog.core.db import Database
from catalog.core.enums import OFFICER_KINDS, OrgKind, VettingStatus
from catalog.core.errors import Codes, DomainError, not_found
from catalog.core.principal import SYSTEM, OrganisationRow
from catalog.core.transactions import write
from catalog.models import OAuthClient, Officer, Organisation
from catalog.models.base import utcnow
from catalog.organisations.clients import add_client
from catalog.organisations.officers import add_officer, name_from_email, officer_by_email
from catalog.organisations.onboarding import organisation_by_slug


@dataclass(frozen=True, slots=True)
class CreatedClient:
    client_id: str
    client_secret: str  # shown once; only its hash is stored


@dataclass(frozen=True, slots=True)
class ClientRecord:
    """A client joined with its organisation, as the token service needs it."""

    client_id: str
    secret_hash: str
    name: str
    allowed_scopes: frozenset[str]
    revoked: bool
    org: OrganisationRow
    # The named officer a LICENSING or CURATOR client acts for.
    officer_id: uuid.UUID | None = None
    officer_name: str | None = None

    @property
    def effective_scopes(self) -> frozenset[str]:
        """What the client may be granted today: its own list, cut down to its kind's set."""
        return self.allowed_scopes & scope_set.for_kind(self.org.kind)

    def check_secret(self, secret: str) -> bool:
        return verify_secret(secret, self.secret_hash)


async def create_client(
    db: Database,
    *,
    org_slug: str,
    scopes: list[str] | None,
    name: str,
    officer_email: str | None = None,
) -> CreatedClient:
    """Create a client for an organisation; `scopes=None` grants every scope of its kind. A
    LICENSING or CURATOR client acts for the officer `officer_email`, created (named after the
    address) when the organisation has no officer of that address yet."""
    async with write(db, SYSTEM) as tx:
        org = await organisation_by_slug(tx.session, org_slug)
        if org is None:
            raise not_found("organisation", "org_slug")
        officer = None
        if officer_email is not None and org.kind in OFFICER_KINDS:
            officer = await officer_by_email(tx.session, officer_email)
            if officer is None:
                name_of = name_from_email(officer_email)
                officer = await add_officer(tx, org, name=name_of, email=officer_email)
            elif officer.org_id != org.id:
                raise DomainError.one(
                    f"{officer_email} is an officer of another organisation",
                    Codes.CONFLICT,
                    "officer",
                )
        issued = await add_client(tx, org, name=name, scopes=scopes, officer=officer)
    return CreatedClient(client_id=issued.client.client_id, client_secret=issued.secret)


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
    return (
        select(
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
            col(OAuthClient.officer_id),
            col(Officer.name),
        )
        .join(Organisation, col(Organisation.id) == col(OAuthClient.org_id))
        .outerjoin(Officer, col(Officer.id) == col(OAuthClient.officer_id))
    )


def record_from_row(row: Sequence[Any]) -> ClientRecord:
    client_id, secret_hash, name, scopes, revoked_at, org_id, slug, org_name, kind, country, vet = (
        row[:11]
    )
    officer_id, officer_name = row[11:13]
    return ClientRecord(
        client_id=client_id,
        secret_hash=secret_hash,
        name=name,
        allowed_scopes=scope_set.parse(scopes),
        revoked=revoked_at is not None,
        org=OrganisationRow(
            id=org_id,
            slug=slug,
            name=org_name,
            kind=OrgKind(kind),
            country=country,
            vetting=VettingStatus(vet),
        ),
        officer_id=officer_id,
        officer_name=officer_name,
    )


async def load_clients(db: Database, client_ids: set[str]) -> dict[str, ClientRecord]:
    if not client_ids:
        return {}
    async with db.read() as session:
        rows = await session.execute(
            client_query().where(col(OAuthClient.client_id).in_(client_ids))
        )
    return {row[0]: record_from_row(tuple(row)) for row in rows}
