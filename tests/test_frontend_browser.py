"""The web page in a real browser (Debian's Chromium) against a real server on 127.0.0.1:
partners browse and open listings, curators review and release, the page works on a phone."""

import re
from collections.abc import AsyncIterator

import httpx
import pytest
from playwright.async_api import Browser, BrowserContext, Page, expect

from tests.browser import Market, Shots, browser, market, screenshots, shots

__all__ = ["browser", "market", "screenshots", "shots"]

PHONE = {"width": 375, "height": 740}


def watch_for_script_errors(context: BrowserContext) -> list[str]:
    """Uncaught exceptions in any page of the context; a test ends by asserting there were none."""
    errors: list[str] = []
    context.on("page", lambda page: page.on("pageerror", lambda error: errors.append(str(error))))
    return errors


@pytest.fixture
async def context(browser: Browser) -> AsyncIterator[BrowserContext]:
    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    errors = watch_for_script_errors(context)
    yield context
    await context.close()
    assert errors == []


async def sign_in(page: Page, market: Market, label: str) -> None:
    await page.goto(market.url + "/")
    await page.get_by_label("Demo organisation").select_option(label)
    await page.get_by_role("button", name="Sign in").click()


async def assert_labelled(page: Page) -> None:
    """Every visible form control has a label a screen reader would announce."""
    unlabelled = await page.evaluate(
        """() => [...document.querySelectorAll('input, select, textarea')]
            .filter((el) => el.offsetParent !== null)
            .filter((el) => !(el.labels && el.labels.length) && !el.getAttribute('aria-label'))
            .map((el) => el.outerHTML)"""
    )
    assert unlabelled == []


async def test_partner_browses_filters_and_opens_a_listing(
    context: BrowserContext, market: Market, shots: Shots
) -> None:
    page = await context.new_page()
    await page.goto(market.url + "/")
    await shots.take(page, "sign-in")
    await assert_labelled(page)
    await sign_in(page, market, "demo-partner-PL")

    await expect(page.get_by_role("heading", name="Catalogue", level=1)).to_be_focused()
    await expect(page.locator(".identity")).to_contain_text("Polish Armament Agency")
    listings = page.get_by_role("list", name="Listings").get_by_role("listitem")
    await expect(listings).to_have_count(10)
    await expect(page.get_by_role("button", name="Previous page")).to_be_disabled()
    await shots.take(page, "catalogue")
    await assert_labelled(page)

    await page.get_by_role("button", name="Next page").click()
    await expect(page.get_by_text("Page 2")).to_be_visible()
    await expect(listings.first).to_be_visible()
    await page.get_by_role("button", name="Previous page").click()
    await expect(page.get_by_text("Page 1")).to_be_visible()

    await page.get_by_label("Category").select_option("NAVAL_DRONE")
    await expect(page.locator(".results")).to_have_attribute("aria-busy", "false")
    await expect(listings.locator(".muted").filter(has_not_text="Naval drone")).to_have_count(0)
    assert await listings.count() > 0
    await page.get_by_label("Category").select_option("")

    await page.get_by_label("Search").fill("kremin")
    await expect(listings).to_have_count(2)
    await expect(listings.first).to_contain_text("Kremin")
    await expect(listings.locator("mark").first).to_have_text(re.compile("kremin", re.I))
    await shots.take(page, "search")
    # Facet counts narrow the search in place; pressing the facet again widens it.
    maintenance = page.get_by_role("button", name="Maintenance (1)")
    await maintenance.click()
    await expect(listings).to_have_count(1)
    await expect(listings).to_contain_text("Kremin-M")
    await expect(page.get_by_role("button", name="Maintenance (1)")).to_have_attribute(
        "aria-pressed", "true"
    )
    await expect(page.get_by_label("Technology transfer")).to_have_value("MAINTENANCE")
    await page.get_by_role("button", name="Maintenance (1)").click()
    await expect(listings).to_have_count(2)

    await listings.get_by_role("link", name="Kremin-M").click()
    await expect(page.get_by_role("heading", name="Kremin-M", level=1)).to_be_focused()
    for section in ("Availability", "Specifications", "Combat record", "Request a quote"):
        await expect(page.get_by_role("heading", name=section)).to_be_visible()
    details = page.locator(".product-details")
    await expect(details).to_contain_text("Units available for export")
    await expect(details).to_contain_text("Lead time")
    await expect(details).to_contain_text("€")
    await expect(details).to_contain_text("First deployment")
    await expect(page.get_by_label("Delivery country")).to_have_value("PL")
    await shots.take(page, "product")
    await assert_labelled(page)

    # The quantity is checked before anything is sent, and the message sits by its field.
    await page.get_by_role("button", name="Request quote").click()
    await expect(page.get_by_label("Quantity (units)")).to_have_attribute("aria-invalid", "true")
    await expect(page.locator(".form-errors")).to_be_focused()
    await shots.take(page, "quote-validation")
    await page.locator(".form-errors").get_by_role("link").click()
    await expect(page.get_by_label("Quantity (units)")).to_be_focused()
    assert "#/product/" in page.url  # the link moved focus, not the route


async def test_partner_cannot_reach_an_unreleased_listing(
    context: BrowserContext, market: Market
) -> None:
    page = await context.new_page()
    await sign_in(page, market, "demo-partner-DE")
    await expect(page.get_by_role("heading", name="Catalogue", level=1)).to_be_visible()
    await page.get_by_label("Search").fill("Burian")  # released to PL and LT only
    await expect(page.get_by_text("Nothing matches these filters.")).to_be_visible()


async def test_curator_publishes_and_releases_then_the_partner_sees_it(
    browser: Browser, context: BrowserContext, market: Market, shots: Shots
) -> None:
    page = await context.new_page()
    await sign_in(page, market, "demo-curator")
    await expect(page.get_by_role("heading", name="Awaiting review", level=1)).to_be_visible()
    waiting = page.get_by_role("list", name="Listings").get_by_role("listitem")
    await expect(waiting).to_have_count(3)  # the demo catalogue has three submitted listings
    for card in await waiting.all():
        await expect(card).to_contain_text("Submitted")
    await shots.take(page, "review-queue")

    await waiting.get_by_role("link", name="Perekat Mine-Clearing Ground Drone").click()
    await expect(page.locator("#product-status")).to_have_text("Submitted")
    # An empty note is refused by the server and shown next to the field.
    await page.get_by_role("button", name="Request changes").click()
    note = page.get_by_label("What should the manufacturer change?")
    await expect(note).to_have_attribute("aria-invalid", "true")
    await shots.take(page, "changes-refused")
    await assert_labelled(page)

    await page.get_by_role("button", name="Publish listing").click()
    await expect(page.locator("#product-status")).to_have_text("Published")
    await page.get_by_label("Poland (PL)").check()
    await page.get_by_role("button", name="Release", exact=True).click()
    releases = page.get_by_role("list", name="Released to")
    await expect(releases).to_contain_text("PL")
    await shots.take(page, "released")

    partner = await browser.new_context()
    try:
        partner_page = await partner.new_page()
        await sign_in(partner_page, market, "demo-partner-PL")
        await partner_page.get_by_label("Search").fill("Perekat")
        found = partner_page.get_by_role("list", name="Listings").get_by_role("listitem")
        await expect(found).to_have_count(1)
        await expect(found).not_to_contain_text("Submitted")  # partners never see status
    finally:
        await partner.close()


async def test_a_pasted_token_signs_in_and_a_bad_one_is_refused(
    context: BrowserContext, market: Market
) -> None:
    pair = market.credentials["demo-licensing"]
    async with httpx.AsyncClient(base_url=market.url) as client:
        response = await client.post(
            "/oauth/token",
            data={"grant_type": "client_credentials"},
            auth=(pair["client_id"], pair["client_secret"]),
        )
    token = response.json()["access_token"]
    page = await context.new_page()
    await page.goto(market.url + "/")
    await page.get_by_label("Bearer token").fill("not-a-token")
    await page.get_by_role("button", name="Use this token").click()
    await expect(page.get_by_role("alert")).to_contain_text("not accepted")

    await page.get_by_label("Bearer token").fill(token)
    await page.get_by_role("button", name="Use this token").click()
    await expect(page.get_by_role("heading", name="Licensing queues", level=1)).to_be_visible()
    await expect(page.locator(".identity")).to_contain_text("Licensing")
    await expect(page.get_by_label("Bearer token")).to_be_hidden()
    assert await page.get_by_label("Bearer token").input_value() == ""

    # Officers read listings (status and releases included) but have no curator buttons.
    await page.get_by_role("link", name="Catalogue").click()
    await page.get_by_label("Search").fill("Burian")
    await page.get_by_role("link", name="Burian Strike Ground Drone").click()
    await expect(page.get_by_role("list", name="Released to")).to_contain_text("PL")
    await expect(page.locator("#product-status")).to_have_text("Published")
    await expect(page.get_by_role("button", name="Release", exact=True)).to_have_count(0)
    await expect(page.get_by_role("button", name="Publish listing")).to_have_count(0)

    await page.get_by_role("button", name="Sign out").click()
    await expect(page.get_by_role("heading", name="Sign in", level=1)).to_be_visible()


async def test_keyboard_only_sign_in_and_navigation(
    context: BrowserContext, market: Market
) -> None:
    page = await context.new_page()
    await page.goto(market.url + "/")
    await page.keyboard.press("Tab")
    await expect(page.get_by_role("link", name="Skip to content")).to_be_focused()
    await page.get_by_label("Demo organisation").focus()
    await page.get_by_label("Demo organisation").select_option("demo-partner-PL")
    await page.get_by_label("Client secret").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="Catalogue", level=1)).to_be_focused()
    first = page.get_by_role("list", name="Listings").get_by_role("link").first
    await first.focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("link", name="← Back to the catalogue")).to_be_visible()
    await page.get_by_role("link", name="My quotes").focus()
    await page.keyboard.press("Enter")
    await expect(page.get_by_role("heading", name="My quotes", level=1)).to_be_focused()


async def test_usable_on_a_narrow_screen(browser: Browser, market: Market, shots: Shots) -> None:
    context = await browser.new_context(viewport=PHONE, is_mobile=True, has_touch=True)
    errors = watch_for_script_errors(context)
    try:
        page = await context.new_page()
        await page.goto(market.url + "/")
        await shots.take(page, "phone-sign-in", full_page=False)
        await sign_in(page, market, "demo-partner-PL")
        await expect(page.get_by_role("list", name="Listings")).to_be_visible()
        await shots.take(page, "phone-catalogue", full_page=False)
        category = page.get_by_label("Category")
        await expect(category).to_be_hidden()  # folded away until asked for
        await page.get_by_text("Filters", exact=True).click()
        await category.select_option("SOFTWARE")
        await expect(page.locator(".results")).to_have_attribute("aria-busy", "false")
        cards = page.locator(".cards .muted")
        await expect(cards.filter(has_not_text="Software")).to_have_count(0)
        assert await cards.count() > 0
        await shots.take(page, "phone-filtered", full_page=False)
        await page.get_by_role("list", name="Listings").get_by_role("link").first.click()
        await expect(page.get_by_role("heading", name="Request a quote")).to_be_visible()
        await shots.take(page, "phone-product", full_page=False)
        width = await page.evaluate("document.documentElement.scrollWidth")
        assert width <= PHONE["width"]
    finally:
        await context.close()
    assert errors == []
