"""Countries and organisations (partners, manufacturers, curators, licensing office)."""

import uuid
from datetime import datetime

import sqlalchemy as sa
from sqlmodel import Field, SQLModel

from catalog.core.enums import OrgKind, VettingStatus
from catalog.models.base import created_field, enum_type, fk, id_field


class Country(SQLModel, table=True):
    __tablename__ = "country"

    code: str = Field(sa_type=sa.String(2), primary_key=True)
    name: str = Field(sa_type=sa.String(100))
    embargoed: bool = Field(default=False)
    eu: bool = Field(default=False)
    nato: bool = Field(default=False)
    # On the programme's list of partner countries (curators keep it; never an embargoed one).
    partner: bool = Field(default=False)


class Organisation(SQLModel, table=True):
    __tablename__ = "organisation"
    __table_args__ = (sa.Index("ix_organisation_kind_name", "kind", "name"),)

    id: uuid.UUID = id_field()
    slug: str = Field(sa_type=sa.String(64), unique=True)
    name: str = Field(sa_type=sa.String(200))
    kind: OrgKind = Field(sa_type=enum_type(OrgKind, "org_kind"))
    country: str = Field(sa_type=sa.String(2), foreign_key="country.code", ondelete="RESTRICT")
    vetting: VettingStatus = Field(
        default=VettingStatus.PENDING, sa_type=enum_type(VettingStatus, "vetting_status")
    )
    created_at: datetime = created_field()
    updated_at: datetime = created_field()


class Officer(SQLModel, table=True):
    """A named person of a LICENSING or CURATOR organisation: the one who decides, whichever
    OAuth client (or external identity) they act through."""

    __tablename__ = "officer"

    id: uuid.UUID = id_field()
    org_id: uuid.UUID = fk("organisation.id")
    name: str = Field(sa_type=sa.String(200))
    # Unique across the service: an address names one person.
    email: str = Field(sa_type=sa.String(254), unique=True)
    # The `sub` of this person's tokens from an external identity provider, when they have one.
    external_subject: str | None = Field(default=None, sa_type=sa.String(300), unique=True)
    created_at: datetime = created_field()
