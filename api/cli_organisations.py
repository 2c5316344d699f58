"""`market create-organisation` and `market create-client`: onboarding from the command line,
for the first start of an empty database (before any curator can sign in) and for scripts."""

import asyncio
import json
from collections.abc import Awaitable, Callable
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console

from api.settings import Settings

console = Console(stderr=True)
T = TypeVar("T")


def _run(factory: Callable[[Any], Awaitable[T]]) -> T:
    """Run one async operation against the configured database; a refusal exits with 2."""
    from catalog.core.db import Database
    from catalog.core.errors import DomainError

    async def main() -> T:
        db = Database(Settings().database_url)
        try:
            return await factory(db)
        finally:
            await db.dispose()

    try:
        return asyncio.run(main())
    except DomainError as error:
        console.print(f"[red]refused:[/red] {error}")
        raise typer.Exit(code=2) from error


def create_organisation(
    kind: Annotated[str, typer.Option(help="PARTNER, MANUFACTURER, CURATOR or LICENSING")],
    slug: Annotated[str, typer.Option(help="Lower-case letters, digits and dashes; unique")],
    name: Annotated[str, typer.Option(help="The organisation's name")],
    country: Annotated[str, typer.Option(help="ISO 3166-1 alpha-2 (UA for manufacturers)")],
) -> None:
    """Create an organisation; prints its id (the GraphQL `Organisation` ID) and slug as JSON.
    A partner starts PENDING until a curator vets it."""
    from catalog.core.enums import OrgKind
    from catalog.core.ids import to_global_id
    from catalog.organisations.onboarding import create_organisation_as_operator

    try:
        org_kind = OrgKind(kind.upper())
    except ValueError as error:
        console.print(f"[red]unknown kind[/red] {kind!r}: {', '.join(k.value for k in OrgKind)}")
        raise typer.Exit(code=2) from error

    async def run(db: Any) -> dict[str, str]:
        org = await create_organisation_as_operator(
            db, kind=org_kind, slug=slug, name=name, country=country
        )
        return {"id": to_global_id("Organisation", org.id), "slug": org.slug}

    print(json.dumps(_run(run)))


def create_client(
    org: Annotated[str, typer.Option(help="Organisation slug, e.g. demo-partner-PL")],
    scope: Annotated[
        list[str] | None, typer.Option(help="Scope to allow (repeatable); default: all of its kind")
    ] = None,
    name: Annotated[str | None, typer.Option(help="A name to recognise the client by")] = None,
    officer: Annotated[
        str | None,
        typer.Option(
            help="E-mail of the officer the client acts for: required for LICENSING and "
            "CURATOR organisations; the officer is created when missing"
        ),
    ] = None,
) -> None:
    """Create an OAuth client for an organisation; prints its id and secret as JSON."""
    from auth.clients import create_client as create

    async def run(db: Any) -> dict[str, str]:
        created = await create(
            db, org_slug=org, scopes=scope, name=name or f"{org} client", officer_email=officer
        )
        return {"client_id": created.client_id, "client_secret": created.client_secret}

    print(json.dumps(_run(run)))


def register(app: typer.Typer) -> None:
    app.command("create-organisation")(create_organisation)
    app.command("create-client")(create_client)
