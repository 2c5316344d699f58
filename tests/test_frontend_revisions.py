"""Revisions in a real browser: a manufacturer proposes changes to a published listing and sees
them pending while partners still see the published listing; a curator compares the published
and proposed values and approves; the partner then sees the new listing."""

import re
from collections.abc import Awaitable, Callable

from playwright.async_api import Page, expect

from tests.browser import Shots, browser, market, open_page, screenshots, shots

__all__ = ["browser", "market", "open_page", "screenshots", "shots"]

OLD = "Pomich Evacuation Ground Drone"  # demo-manufacturer-1, released to PL
NEW = "Pomich-2 Evacuation Ground Drone"


async def partner_sees(page: Page, name: str) -> None:
    await page.get_by_label("Search").fill("")
    await page.get_by_label("Search").fill("Pomich")
    found = page.get_by_role("list", name="Listings").get_by_role("listitem")
    await expect(found).to_have_count(1)
    await expect(found.get_by_role("link")).to_have_text(name)


async def test_manufacturer_proposes_curator_compares_and_approves(
    open_page: Callable[[str], Awaitable[Page]], shots: Shots
) -> None:
    maker = await open_page("demo-manufacturer-1")
    await expect(maker.get_by_role("heading", name="My listings", level=1)).to_be_visible()
    await maker.get_by_label("Search").fill("Pomich")
    await maker.get_by_role("link", name=OLD).click()
    await expect(maker.get_by_role("heading", name=OLD, level=1)).to_be_visible()
    await maker.get_by_label("Name", exact=True).fill(NEW)
    await maker.get_by_label("Lead time (days)").fill("7")
    await maker.get_by_role("button", name="Propose changes").click()
    pending = maker.get_by_role("region", name="Proposed changes")
    await expect(pending).to_contain_text("Pending review")
    await expect(pending.get_by_role("row", name=re.compile("^Name"))).to_contain_text(NEW)
    await expect(maker.get_by_role("heading", name=OLD, level=1)).to_be_visible()
    await expect(maker.get_by_role("button", name="Approve changes")).to_have_count(0)
    await shots.take(maker, "proposed")

    partner = await open_page("demo-partner-PL")
    await partner_sees(partner, OLD)

    curator = await open_page("demo-curator")
    await curator.get_by_role("link", name="Proposed changes").click()
    queue = curator.get_by_role("list", name="Proposed changes").get_by_role("listitem")
    await expect(queue).to_have_count(1)
    await expect(queue).to_contain_text("Name, Lead time (days)")
    await queue.get_by_role("link", name=OLD).click()
    table = curator.locator("#revision-changes")
    name_row = table.get_by_role("row", name=re.compile("^Name"))
    await expect(name_row.get_by_role("cell").nth(0)).to_have_text(OLD)
    await expect(name_row.get_by_role("cell").nth(1)).to_have_text(NEW)
    await shots.take(curator, "compare")
    await curator.get_by_role("button", name="Approve changes").click()
    await expect(curator.get_by_role("heading", name=NEW, level=1)).to_be_visible()
    await expect(curator.locator("#pending-revision")).to_have_count(0)
    await shots.take(curator, "approved")

    await partner_sees(partner, NEW)
