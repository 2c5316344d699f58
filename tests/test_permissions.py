"""`require` against Principals built by the real authenticator from real tokens: unvetted
partners may read `me` and nothing else; everyone else needs the field's scope."""

from collections.abc import Awaitable, Callable
from types import SimpleNamespace
from typing import Any

import pytest
from graphql import GraphQLError
from starlette.requests import Request

from api.settings import Settings
from auth.service import build_authenticator
from catalog.core.db import Database
from catalog.core.principal import Principal
from schema.permissions import require

TokenFor = Callable[..., Awaitable[str]]


async def principal(db: Database, settings: Settings, token: str) -> Principal:
    scope = {
        "type": "http",
        "method": "POST",
        "path": "/graphql",
        "headers": [(b"authorization", f"Bearer {token}".encode())],
    }
    return await build_authenticator(db, settings).authenticate(Request(scope))


def info_for(who: Principal) -> Any:
    """The only part of Strawberry's Info that `require` reads."""
    return SimpleNamespace(context=SimpleNamespace(principal=who))


@pytest.mark.parametrize("slug", ["demo-partner-SK", "demo-partner-RO"])
async def test_unvetted_partners_are_forbidden_beyond_me(
    seeded: Database, settings: Settings, token_for: TokenFor, slug: str
) -> None:
    who = await principal(seeded, settings, await token_for(slug))
    assert who.has_scope("catalog:read")  # the scope is there; the vetting status decides
    with pytest.raises(GraphQLError) as refused:
        require(info_for(who), "catalog:read")
    assert refused.value.extensions == {"code": "FORBIDDEN"}


async def test_a_vetted_partner_needs_the_scope(
    seeded: Database, settings: Settings, token_for: TokenFor
) -> None:
    who = await principal(seeded, settings, await token_for("demo-partner-PL", ["catalog:read"]))
    require(info_for(who), "catalog:read")
    with pytest.raises(GraphQLError) as refused:
        require(info_for(who), "quotes:request")
    assert refused.value.extensions == {"code": "FORBIDDEN"}
    assert "quotes:request" in refused.value.message


async def test_principal_comes_from_the_organisation_record(
    seeded: Database, settings: Settings, token_for: TokenFor
) -> None:
    who = await principal(seeded, settings, await token_for("demo-curator"))
    assert who.org_slug == "demo-curator" and who.kind is not None and who.kind.value == "CURATOR"
    assert who.client_id == who.subject and who.org_name
    require(info_for(who), "catalog:curate")
