"""OAuth clients, signing keys and revoked token ids (shared by every API worker)."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalog.models.base import JSONType, created_field, fk, timestamp_field


class OAuthClient(SQLModel, table=True):
    __tablename__ = "oauth_client"

    client_id: str = Field(sa_type=sa.String(64), primary_key=True)
    secret_hash: str = Field(sa_type=sa.String(200))
    org_id: uuid.UUID = fk("organisation.id")
    name: str = Field(sa_type=sa.String(200))
    scopes: str = Field(sa_type=sa.String(500))
    created_at: datetime = created_field()
    revoked_at: datetime | None = timestamp_field()
    # LICENSING and CURATOR clients act for one named officer; others for their organisation.
    officer_id: uuid.UUID | None = fk("officer.id", nullable=True)
    # When the client last obtained a token.
    last_used_at: datetime | None = timestamp_field()


class SigningKey(SQLModel, table=True):
    __tablename__ = "signing_key"

    kid: str = Field(sa_type=sa.String(64), primary_key=True)
    alg: str = Field(sa_type=sa.String(10))
    private_pem: str = Field(sa_type=sa.Text)
    public_jwk: dict[str, Any] = Field(sa_type=JSONType)
    created_at: datetime = created_field()
    # Set when a newer key takes over signing; published until its last token has expired.
    retired_at: datetime | None = timestamp_field()


class RevokedToken(SQLModel, table=True):
    __tablename__ = "revoked_token"

    jti: str = Field(sa_type=sa.String(64), primary_key=True)
    expires_at: datetime = created_field()
