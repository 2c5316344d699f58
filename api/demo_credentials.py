"""The demo clients' credentials file that `market seed-demo` writes (`DEMO_CREDENTIALS_FILE`,
mode 0600) and `make run` and the dev sign-in page read.

The file belongs to one database: it is rewritten whenever the database was just seeded or the
file names a client that database does not hold (another database's, a revoked one), so it
never hands out credentials that do not work."""

import json
import os
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from auth.clients import create_client
from catalog.core.db import Database
from catalog.demo.catalogue import demo_catalogue
from catalog.models import OAuthClient, Organisation

Credentials = dict[str, dict[str, str]]


def _read(path: Path) -> Credentials | None:
    try:
        data: Any = json.loads(path.read_text())
    except (OSError, ValueError):
        return None
    return data if isinstance(data, dict) else None


async def _all_held(db: Database, credentials: Credentials, slugs: list[str]) -> bool:
    """Every demo organisation has an entry naming a live client of that organisation here."""
    wanted: dict[str, str] = {}
    for slug in slugs:
        entry = credentials.get(slug)
        if not isinstance(entry, dict) or not isinstance(entry.get("client_id"), str):
            return False
        wanted[entry["client_id"]] = slug
    query = (
        select(col(OAuthClient.client_id), col(Organisation.slug))
        .join(Organisation, col(Organisation.id) == col(OAuthClient.org_id))
        .where(col(OAuthClient.client_id).in_(wanted), col(OAuthClient.revoked_at).is_(None))
    )
    async with db.read() as session:
        held = {client_id: slug for client_id, slug in (await session.execute(query)).all()}
    return held == wanted


def _write(path: Path, credentials: Credentials) -> None:
    """Written to a new file created with mode 0600, then moved over the old one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".partial")
    partial.unlink(missing_ok=True)
    descriptor = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w") as file:
        json.dump(credentials, file, indent=2)
    os.replace(partial, path)


async def demo_credentials(db: Database, path: Path, *, just_seeded: bool) -> Credentials:
    """One OAuth client per demo organisation, as kept in `path`."""
    slugs = demo_catalogue().organisation_slugs()
    kept = None if just_seeded else _read(path)
    if kept is not None and await _all_held(db, kept, slugs):
        return kept
    credentials = {}
    for slug in slugs:
        created = await create_client(db, org_slug=slug, scopes=None, name=f"{slug} demo client")
        credentials[slug] = {"client_id": created.client_id, "client_secret": created.client_secret}
    _write(path, credentials)
    return credentials
