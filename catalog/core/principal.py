"""Who is acting: built by `auth` from a verified token and the organisation record."""

import uuid
from dataclasses import dataclass, field
from typing import Protocol, Self

from catalog.core.enums import OrgKind, VettingStatus


class OrganisationFacts(Protocol):
    """What a principal takes from its organisation: an `Organisation` row, or the same
    columns read alongside an OAuth client."""

    @property
    def id(self) -> uuid.UUID: ...
    @property
    def slug(self) -> str: ...
    @property
    def name(self) -> str: ...
    @property
    def kind(self) -> OrgKind: ...
    @property
    def country(self) -> str: ...
    @property
    def vetting(self) -> VettingStatus: ...


@dataclass(frozen=True, slots=True)
class OrganisationRow:
    """`OrganisationFacts` as plain values: the organisation columns read along with something
    else (an OAuth client, a quote's subject) instead of the whole row."""

    id: uuid.UUID
    slug: str
    name: str
    kind: OrgKind
    country: str
    vetting: VettingStatus


@dataclass(frozen=True, slots=True)
class Principal:
    subject: str
    client_id: str | None
    org_id: uuid.UUID | None
    org_slug: str | None
    org_name: str | None
    kind: OrgKind | None
    country: str | None
    vetting: VettingStatus | None
    scopes: frozenset[str] = field(default_factory=frozenset)
    # The named person acting, for clients of LICENSING and CURATOR organisations.
    officer_id: uuid.UUID | None = None
    officer_name: str | None = None

    @classmethod
    def for_organisation(
        cls,
        org: OrganisationFacts,
        *,
        subject: str,
        client_id: str | None = None,
        scopes: frozenset[str],
        officer_id: uuid.UUID | None = None,
        officer_name: str | None = None,
    ) -> Self:
        """Acting for `org`: kind, country and vetting come from the organisation record as it
        was read, never from a token."""
        return cls(
            subject=subject,
            client_id=client_id,
            org_id=org.id,
            org_slug=org.slug,
            org_name=org.name,
            kind=org.kind,
            country=org.country,
            vetting=org.vetting,
            scopes=scopes,
            officer_id=officer_id,
            officer_name=officer_name,
        )

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


SYSTEM = Principal(
    subject="system",
    client_id=None,
    org_id=None,
    org_slug=None,
    org_name=None,
    kind=None,
    country=None,
    vetting=None,
)
