"""A real browser against a real server: Debian's Chromium driven by Playwright, and the app
in uvicorn on 127.0.0.1 over a seeded database with demo client credentials (dev mode)."""

import asyncio
import json
import os
import re
import shutil
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.async_api import Browser, Page, async_playwright, expect

from api.app import create_app
from api.settings import Settings
from auth.clients import create_client
from catalog.core.db import Database
from catalog.demo.seed import DEMO_OFFICERS, seed_demo
from tests.live import serve

CHROMIUM = Path(os.environ.get("CHROMIUM", "/usr/bin/chromium"))
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
SCREENSHOTS = Path(__file__).resolve().parent.parent / "test-output" / "screenshots"
# Two licensing clients: a case flagged for four-eyes needs approvals from two officers.
CLIENTS = {
    "demo-partner-PL": "demo-partner-PL",
    "demo-partner-DE": "demo-partner-DE",
    "demo-curator": "demo-curator",
    "demo-licensing": "demo-licensing",
    "demo-licensing-second-officer": "demo-licensing",
    "demo-manufacturer-1": "demo-manufacturer-1",
}


# The named people those clients act for (the demo seed's officers).
OFFICERS = {
    "demo-curator": DEMO_OFFICERS["demo-curator"][0][1],
    "demo-licensing": DEMO_OFFICERS["demo-licensing"][0][1],
    "demo-licensing-second-officer": DEMO_OFFICERS["demo-licensing"][1][1],
}


@dataclass(frozen=True)
class Market:
    url: str
    backend: str
    credentials: dict[str, dict[str, str]]


async def _demo_credentials(database_url: str, path: Path) -> dict[str, dict[str, str]]:
    db = Database(database_url, pool_size=2)
    try:
        await seed_demo(db)
        credentials = {}
        for label, slug in CLIENTS.items():
            created = await create_client(
                db, org_slug=slug, scopes=None, name=label, officer_email=OFFICERS.get(label)
            )
            credentials[label] = {
                "client_id": created.client_id,
                "client_secret": created.client_secret,
            }
    finally:
        await db.dispose()
    await asyncio.to_thread(path.write_text, json.dumps(credentials))
    return credentials


@pytest.fixture
async def market(backend: str, database_url: str, tmp_path: Path) -> AsyncIterator[Market]:
    """The seeded marketplace served on a free port, in dev mode so the page offers demo
    clients. The served app owns its database (its engine lives in the server's loop)."""
    path = tmp_path / "demo-credentials.json"
    credentials = await _demo_credentials(database_url, path)
    settings = Settings(database_url=database_url, market_env="dev", demo_credentials_file=path)
    with serve(create_app(settings)) as url:
        yield Market(url=url, backend=backend, credentials=credentials)


def _chromium_available() -> bool:
    return CHROMIUM.exists() or shutil.which(str(CHROMIUM)) is not None


@pytest.fixture(scope="session")
async def browser() -> AsyncIterator[Browser]:
    if not _chromium_available():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `make setup`")
    async with async_playwright() as playwright:
        chromium = await playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=CHROMIUM_ARGS, headless=True
        )
        yield chromium
        await chromium.close()


@pytest.fixture(scope="session")
def screenshots() -> Iterator[Path]:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    yield SCREENSHOTS


class Shots:
    """Numbered screenshots per test, so a run can be looked at afterwards."""

    def __init__(self, directory: Path, name: str) -> None:
        self.directory = directory
        self.name = name
        self.count = 0

    async def take(self, page: Page, step: str, *, full_page: bool = True) -> None:
        self.count += 1
        path = self.directory / f"{self.name}-{self.count:02d}-{step}.png"
        await page.screenshot(path=str(path), full_page=full_page)


@pytest.fixture
def shots(screenshots: Path, request: pytest.FixtureRequest) -> "Shots":
    return Shots(screenshots, re.sub(r"[^A-Za-z0-9]+", "-", request.node.name).strip("-"))


@pytest.fixture
async def open_page(
    browser: Browser, market: Market
) -> AsyncIterator[Callable[[str], Awaitable[Page]]]:
    """`await open_page("demo-partner-PL")`: a page in a new context, signed in as that demo
    client; the test fails if any page raised an uncaught error."""
    contexts = []
    errors: list[str] = []

    async def signed_in(label: str) -> Page:
        context = await browser.new_context(viewport={"width": 1280, "height": 900})
        contexts.append(context)
        page = await context.new_page()
        page.on("pageerror", lambda error: errors.append(str(error)))
        await page.goto(market.url + "/")
        await page.get_by_label("Demo organisation").select_option(label)
        await page.get_by_role("button", name="Sign in").click()
        await expect(page.locator(".identity")).to_be_visible()
        return page

    yield signed_in
    for context in contexts:
        await context.close()
    assert errors == []
