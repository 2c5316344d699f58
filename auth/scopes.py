"""Scope arithmetic: what a client may hold, and what a token may carry."""

from catalog.core.enums import SCOPES_BY_KIND, OrgKind

ALL_SCOPES: frozenset[str] = frozenset().union(*SCOPES_BY_KIND.values())


def parse(scope: str | None) -> frozenset[str]:
    return frozenset((scope or "").split())


def render(scopes: frozenset[str] | set[str]) -> str:
    return " ".join(sorted(scopes))


def for_kind(kind: OrgKind | str | None) -> frozenset[str]:
    if kind is None:
        return frozenset()
    return SCOPES_BY_KIND.get(OrgKind(kind), frozenset())
