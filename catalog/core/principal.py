"""Who is acting: built by `auth` from a verified token and the organisation record."""

import uuid
from dataclasses import dataclass, field

from catalog.core.enums import OrgKind, VettingStatus


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

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes

    @property
    def is_active_partner(self) -> bool:
        return self.kind is OrgKind.PARTNER and self.vetting is VettingStatus.VETTED

    @property
    def may_read_beyond_me(self) -> bool:
        """A suspended or unvetted partner may ask who it is and nothing else."""
        return self.kind is not OrgKind.PARTNER or self.vetting is VettingStatus.VETTED


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
