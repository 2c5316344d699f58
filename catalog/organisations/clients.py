"""API clients (OAuth client_credentials) of an organisation: issued, listed, rotated, revoked.

The secret is generated here, returned once to the caller that created or rotated the client,
and stored only as a hash: it is never written to an audit event or the outbox. Scopes never
exceed the organisation kind's set. A client of a LICENSING or CURATOR organisation acts for
one named officer of that organisation. Revoking a client makes every token of it fail on its
next request (the token check reads the client on every request).
"""

import secrets
import uuid
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import administers_clients_of, require_client_admin
from catalog.core.db import Database
from catalog.core.enums import OFFICER_KINDS, SCOPES_BY_KIND, OrgKind
from catalog.core.errors import Codes, DomainError, not_found
from catalog.core.principal import Principal
from catalog.core.secrets import hash_secret, new_secret
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, collect
from catalog.models import OAuthClient, Officer, Organisation
from catalog.models.base import utcnow


@dataclass(frozen=True, slots=True)
class IssuedClient:
    client: OAuthClient
    secret: str  # shown once; only its hash is stored


def granted_scopes(kind: OrgKind, requested: list[str] | None) -> frozenset[str]:
    """`None` grants every scope of the kind; otherwise a non-empty subset of it."""
    allowed = SCOPES_BY_KIND[kind]
    if requested is None:
        return allowed
    refused = sorted({s for s in requested if s not in allowed})
    if refused:
        raise DomainError.one(
            f"a {kind.value} organisation may not hold: {', '.join(refused)}",
            Codes.INVALID,
            "scopes",
        )
    if not requested:
        raise DomainError.one("a client needs at least one scope", Codes.INVALID, "scopes")
    return frozenset(requested)


def _check_officer(org: Organisation, officer: Officer | None) -> None:
    if org.kind in OFFICER_KINDS:
        if officer is None:
            raise DomainError.one(
                f"a client of a {org.kind.value} organisation acts for a named officer: "
                "officerId is required",
                Codes.INVALID,
                "officerId",
            )
        if officer.org_id != org.id:
            raise not_found("officer", "officerId")
    elif officer is not None:
        raise DomainError.one(
            f"clients of a {org.kind.value} organisation act for the organisation, not an officer",
            Codes.INVALID,
            "officerId",
        )


async def add_client(
    tx: WriteTransaction,
    org: Organisation,
    *,
    name: str,
    scopes: list[str] | None,
    officer: Officer | None,
) -> IssuedClient:
    """Checks and adds a client inside `tx` (also used by the command line and the demo)."""
    name = name.strip()
    problems = collect(check_length("name", name, 1, 200))
    if problems:
        raise DomainError(problems)
    granted = granted_scopes(org.kind, scopes)
    _check_officer(org, officer)
    secret = new_secret()
    client = OAuthClient(
        client_id=f"mkt_{secrets.token_urlsafe(18)}",
        secret_hash=hash_secret(secret),
        org_id=org.id,
        name=name,
        scopes=" ".join(sorted(granted)),
        officer_id=officer.id if officer else None,
    )
    tx.session.add(client)
    tx.audit(
        "oauth_client.created",
        "OAuthClient",
        client.client_id,
        {
            "org": org.slug,
            "name": name,
            "scopes": sorted(granted),
            "officer_id": officer.id if officer else None,
        },
    )
    return IssuedClient(client=client, secret=secret)


async def create_api_client(
    db: Database,
    principal: Principal,
    organisation_id: uuid.UUID,
    *,
    name: str,
    scopes: list[str] | None,
    officer_id: uuid.UUID | None,
) -> IssuedClient:
    require_client_admin(principal, organisation_id)
    async with write(db, principal) as tx:
        org = await tx.session.get(Organisation, organisation_id)
        if org is None:
            raise not_found("organisation", "organisationId")
        officer = await tx.session.get(Officer, officer_id) if officer_id else None
        if officer_id is not None and officer is None:
            raise not_found("officer", "officerId")
        return await add_client(tx, org, name=name, scopes=scopes, officer=officer)


async def list_api_clients(
    session: AsyncSession, principal: Principal, organisation_id: uuid.UUID
) -> list[OAuthClient]:
    require_client_admin(principal, organisation_id)
    rows = await session.scalars(
        select(OAuthClient)
        .where(col(OAuthClient.org_id) == organisation_id)
        .order_by(col(OAuthClient.created_at), col(OAuthClient.client_id))
    )
    return list(rows)


async def _administered(tx: WriteTransaction, principal: Principal, client_id: str) -> OAuthClient:
    """The client, locked, if the caller administers its organisation; not found otherwise."""
    client = await tx.session.scalar(
        select(OAuthClient).where(col(OAuthClient.client_id) == client_id).with_for_update()
    )
    # Another organisation's client is "not found": its id says nothing to the caller.
    if client is None or not administers_clients_of(principal, client.org_id):
        raise not_found("API client", "clientId")
    return client


async def rotate_secret(db: Database, principal: Principal, client_id: str) -> IssuedClient:
    """A new secret; the old one stops working at once (tokens already issued live on until
    they expire or the client is revoked)."""
    async with write(db, principal) as tx:
        client = await _administered(tx, principal, client_id)
        if client.revoked_at is not None:
            raise DomainError.one("the client is revoked", Codes.INVALID_TRANSITION, "clientId")
        secret = new_secret()
        client.secret_hash = hash_secret(secret)
        tx.audit("oauth_client.secret_rotated", "OAuthClient", client.client_id, {})
    return IssuedClient(client=client, secret=secret)


async def revoke_api_client(db: Database, principal: Principal, client_id: str) -> OAuthClient:
    async with write(db, principal) as tx:
        client = await _administered(tx, principal, client_id)
        if client.revoked_at is None:
            client.revoked_at = utcnow()
        tx.audit("oauth_client.revoked", "OAuthClient", client.client_id, {})
    return client
