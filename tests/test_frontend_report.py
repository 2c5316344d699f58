"""The programme report in a real browser (Chromium) against a real server: a curator sees the
accepted value as a bar chart by country and a line chart by month, drawn as SVG by the page."""

import itertools
import re
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, expect

from schema.relay import id_of_type
from tests.browser import Market, Shots, browser, market, screenshots
from tests.graphql import gql
from tests.integrity_support import Desk

__all__ = ["browser", "market", "screenshots"]


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    errors: list[str] = []
    context.on("page", lambda page: page.on("pageerror", lambda error: errors.append(str(error))))
    yield context
    await context.close()
    assert errors == []


async def _sales(client: httpx.AsyncClient, market: Market) -> None:
    """Two accepted quotes, from partners in two countries, through the real API."""

    async def token(label: str) -> str:
        credentials = market.credentials[label]
        response = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials", **credentials},
        )
        assert response.status_code == 200, response.text
        return str(response.json()["access_token"])

    officers = itertools.cycle(["demo-licensing", "demo-licensing-second-officer"])

    async def token_for(slug: str) -> str:
        return await token(next(officers) if slug == "demo-licensing" else slug)

    for partner, product, quantity, price in (
        ("demo-partner-PL", "Kremin", 2, "40000.00"),
        ("demo-partner-DE", "Kremin", 1, "41000.00"),
    ):
        desk = await Desk.open(client, token_for, partner, "demo-manufacturer-1")
        product_id = await _product_id(client, desk.curator, product)
        offered = await desk.offered(product_id, quantity, price)
        assert (await desk.accept(offered["id"]))["errors"] == []


async def _product_id(client: httpx.AsyncClient, token: str, name: str) -> uuid.UUID:
    query = """query($text: String) { products(first: 5, filter: {text: $text}) {
      edges { node { id name } } } }"""
    found = await gql(client, token, query, {"text": name})
    node = next(e["node"] for e in found["data"]["products"]["edges"] if e["node"]["name"] == name)
    found_id = id_of_type(node["id"], "Product")
    assert found_id is not None
    return found_id


async def test_curator_sees_the_report_as_charts(
    context: BrowserContext, market: Market, screenshots: Path
) -> None:
    async with httpx.AsyncClient(base_url=market.url, timeout=30) as client:
        await _sales(client, market)
    shots = Shots(screenshots, "programme-report")
    page = await context.new_page()
    await page.goto(market.url + "/")
    await page.get_by_label("Demo organisation").select_option("demo-curator")
    await page.get_by_role("button", name="Sign in").click()
    await page.get_by_role("link", name="Programme report").click()
    await expect(page.get_by_role("heading", name="Programme report", level=1)).to_be_visible()
    await expect(page.locator(".report-totals")).to_contain_text("2 accepted quotes, 3 units")

    bars = page.get_by_role("img", name=re.compile("by partner country"))
    await expect(bars.locator("rect.bar")).to_have_count(2)
    await expect(bars.locator("text", has_text="DE")).to_have_count(1)
    line = page.get_by_role("img", name=re.compile("by month"))
    await expect(line.locator("polyline.line")).to_have_count(1)
    await expect(line.locator("circle.point")).to_have_count(1)
    table = page.get_by_role("table", name="By partner country")
    await expect(table.get_by_role("row")).to_have_count(3)  # the header and two countries
    await expect(table).to_contain_text("€80,000.00")
    await expect(table.get_by_role("row").nth(1)).to_contain_text("DE")
    await shots.take(page, "charts")

    await page.get_by_label("Report from").fill("2020-01-01")
    await page.get_by_label("Report to").fill("2020-12-31")
    await page.get_by_role("button", name="Show report").click()
    await expect(page.locator(".report-totals")).to_contain_text("0 accepted quotes")
    await expect(bars.locator("rect.bar")).to_have_count(0)
