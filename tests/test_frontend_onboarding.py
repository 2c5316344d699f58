"""Onboarding in a real browser (Debian's Chromium) against a real server on 127.0.0.1: a
curator creates a partner agency, vets it and issues its first API client, whose secret is
shown once with a copy button; the agency then signs in with it and sees its catalogue."""

import re

from playwright.async_api import BrowserContext, Page, expect

from tests.browser import Market, browser, market, screenshots
from tests.test_frontend_browser import assert_labelled, context, shots, sign_in

__all__ = ["browser", "context", "market", "screenshots", "shots"]


async def _onboard(page: Page) -> None:
    await page.get_by_role("link", name="Organisations", exact=True).click()
    await expect(page.get_by_role("heading", name="Organisations", level=1)).to_be_visible()
    await page.get_by_label("Kind").select_option("PARTNER")
    await page.get_by_label("Name", exact=True).fill("Agencja Uzbrojenia")
    await page.get_by_label("Slug").fill("Bad Slug")
    await page.get_by_label("Country").fill("PL")
    await page.get_by_role("button", name="Create organisation").click()
    await expect(page.get_by_role("alert")).to_contain_text("slug must be")
    await page.get_by_label("Slug").fill("agencja-uzbrojenia")
    await page.get_by_role("button", name="Create organisation").click()
    await expect(page.get_by_role("heading", name="Agencja Uzbrojenia", level=1)).to_be_visible()
    await expect(page.locator("#org-vetting")).to_have_text("Pending")


async def test_curator_onboards_a_partner_that_then_signs_in_with_its_first_client(
    context: BrowserContext, market: Market, shots: object
) -> None:
    page = await context.new_page()
    await sign_in(page, market, "demo-curator")
    await expect(page.locator(".identity")).to_contain_text("Iryna Bondarenko")
    await _onboard(page)
    await assert_labelled(page)

    await page.get_by_role("button", name="Vet partner").click()
    await expect(page.locator("#org-vetting")).to_have_text("Vetted")

    await page.get_by_label("Client name").fill("procurement system")
    await page.get_by_role("button", name="Issue API client").click()
    warning = page.get_by_text("it will not be shown again")
    await expect(warning).to_be_visible()
    secret = await page.get_by_label("New client secret").input_value()
    client_id = await page.locator("#new-client-id").inner_text()
    assert len(secret) > 30 and client_id.startswith("mkt_")
    await page.get_by_role("button", name="Copy secret").click()
    copied = page.locator(".hint[role=status]")
    await expect(copied).to_have_text(re.compile("Copied to the clipboard|Ctrl\\+C"))
    await shots.take(page, "secret-shown-once")  # type: ignore[attr-defined]
    clients = page.get_by_role("list", name="API clients").get_by_role("listitem")
    await expect(clients).to_have_count(1)

    # Shown once: the same page opened again lists the client but never its secret.
    await page.get_by_role("link", name="Back to the organisations").click()
    await page.get_by_role("link", name="Agencja Uzbrojenia").click()
    await expect(page.get_by_role("heading", name="Agencja Uzbrojenia", level=1)).to_be_visible()
    await expect(clients).to_have_count(1)
    await expect(warning).to_have_count(0)
    assert secret not in await page.content()

    await page.get_by_role("button", name="Sign out").click()
    await page.get_by_label("Client ID").fill(client_id)
    await page.get_by_label("Client secret").fill(secret)
    await page.get_by_role("button", name="Sign in").click()
    await expect(page.locator(".identity")).to_contain_text("Agencja Uzbrojenia")
    listings = page.get_by_role("list", name="Listings").get_by_role("listitem")
    await expect(listings.first).to_be_visible()
