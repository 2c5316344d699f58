"""Quote journeys in a real browser: a partner finds a listing and requests a quote, attaches
the end-user certificate the routing requires (a file that is not one is refused), two
licensing officers open it from the case page and approve the four-eyes case, and the partner
sees the quote licensed; an
officer asks for information, the partner answers, then withdraws the request; a curator
revokes a release, the officers see the case held and why, the partner sees it on hold, the
manufacturer too, and releasing again resumes it."""

from collections.abc import Awaitable, Callable

from playwright.async_api import Locator, Page, expect

from tests.browser import Shots, browser, market, open_page, screenshots, shots

__all__ = ["browser", "market", "open_page", "screenshots", "shots"]


async def request_quote(page: Page, shots: Shots) -> None:
    await page.get_by_label("Search").fill("kremin")
    listings = page.get_by_role("list", name="Listings").get_by_role("listitem")
    await expect(listings).to_have_count(2)
    await listings.get_by_role("link", name="Kremin", exact=True).click()
    await expect(page.get_by_role("heading", name="Kremin", level=1)).to_be_visible()

    # The server's UserErrors are shown next to the fields they concern.
    await page.get_by_label("Quantity (units)").fill("50")
    await page.get_by_role("button", name="Request quote").click()
    await expect(page.locator(".form-errors")).to_be_focused()
    await expect(page.get_by_label("End user", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )
    await shots.take(page, "quote-errors")

    await page.get_by_label("End user", exact=True).fill("1st Mechanised Brigade")
    await page.get_by_label("End-use statement").fill("Resupply of forward positions in exercises")
    await page.get_by_role("button", name="Request quote").click()
    await expect(page.locator(".quote-result")).to_contain_text("Quote requested")
    await expect(page.get_by_label("End user", exact=True)).not_to_have_attribute(
        "aria-invalid", "true"
    )
    await expect(page.get_by_label("End user", exact=True)).to_have_value("")  # form reset
    await shots.take(page, "quote-requested")


PDF = b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"


async def attach_certificate(quote: Locator, shots: Shots, page: Page) -> None:
    """The partner attaches the end-user certificate to its quote; a text file named .pdf is
    refused by the server, which checks the content."""
    chooser = quote.get_by_label("End-user certificate")
    fake = {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": b"not a pdf"}
    await chooser.set_input_files(files=[fake])  # type: ignore[list-item]
    await quote.get_by_role("button", name="Attach certificate").click()
    await expect(quote.locator(".form-errors")).to_contain_text("PDF, PNG and JPEG")
    real = {"name": "certificate.pdf", "mimeType": "application/pdf", "buffer": PDF}
    await chooser.set_input_files(files=[real])  # type: ignore[list-item]
    await quote.get_by_role("button", name="Attach certificate").click()
    documents = quote.get_by_role("group", name="Quote documents")
    await expect(documents).to_contain_text("certificate.pdf")
    await expect(quote.get_by_role("button", name="Attach certificate")).to_have_count(0)
    await shots.take(page, "certificate-attached")


async def open_certificate(page: Page) -> None:
    """The officer opens the partner's certificate from the case page."""
    documents = page.get_by_role("region", name="Documents")
    await expect(documents).to_contain_text("End user certificate")
    await expect(documents).not_to_contain_text("missing")
    async with page.expect_download() as info:
        await documents.get_by_role("button", name="Open certificate.pdf").click()
    download = await info.value
    assert download.suggested_filename == "certificate.pdf"
    saved = await download.path()
    assert saved is not None and saved.read_bytes() == PDF


async def approve(page: Page, reason: str) -> None:
    await expect(page.get_by_role("heading", name="Licensing queues", level=1)).to_be_visible()
    cases = page.get_by_role("list", name="Cases").get_by_role("listitem")
    await expect(cases).to_have_count(1)
    await cases.get_by_role("link", name="Kremin for Polish Armament Agency (demo)").click()
    await expect(page.get_by_role("region", name="Routing explanation")).to_contain_text(
        "High quantity (50 units or more)"
    )
    await open_certificate(page)
    await page.get_by_role("button", name="Record decision").click()
    await expect(page.get_by_label("Decision", exact=True)).to_have_attribute(
        "aria-invalid", "true"
    )  # nothing is preselected
    await page.get_by_label("Decision", exact=True).select_option("APPROVE")
    await page.get_by_label("Reason").fill(reason)
    await page.get_by_role("button", name="Record decision").click()


async def test_partner_requests_officers_approve_partner_sees_licensed(
    open_page: Callable[[str], Awaitable[Page]], shots: Shots
) -> None:
    partner = await open_page("demo-partner-PL")
    await request_quote(partner, shots)
    await partner.get_by_role("link", name="My quotes").first.click()
    quote = partner.get_by_role("list", name="Quote requests").get_by_role("listitem")
    await expect(quote).to_have_count(1)
    await expect(quote).to_contain_text("Licensing review")
    await expect(quote).to_contain_text("Senior review")
    await shots.take(partner, "my-quotes-in-review")
    await attach_certificate(quote, shots, partner)

    first = await open_page("demo-licensing")
    await approve(first, "End user vetted; quantity within the partner's allocation")
    decisions = first.get_by_role("region", name="Decisions")
    await expect(decisions).to_contain_text("Approve")
    await expect(first.locator("#case-status-badge")).to_have_text("Open")  # four eyes
    await shots.take(first, "first-approval")

    second = await open_page("demo-licensing-second-officer")
    await approve(second, "Concur")
    await expect(second.locator("#case-status-badge")).to_have_text("Approved")
    await expect(second.get_by_role("button", name="Record decision")).to_have_count(0)
    await shots.take(second, "approved")
    await second.set_viewport_size({"width": 375, "height": 740})
    assert await second.evaluate("document.documentElement.scrollWidth") <= 375
    await second.get_by_role("region", name="Routing explanation").scroll_into_view_if_needed()
    await shots.take(second, "approved-phone", full_page=False)

    await partner.get_by_role("link", name="Catalogue").click()
    await partner.get_by_role("link", name="My quotes").first.click()
    quote = partner.get_by_role("list", name="Quote requests").get_by_role("listitem")
    await expect(quote).to_contain_text("Licensed")
    await expect(quote).to_contain_text("Approved")
    await shots.take(partner, "my-quotes-licensed")


async def open_case(page: Page, title: str) -> None:
    await expect(page.get_by_role("heading", name="Licensing queues", level=1)).to_be_visible()
    await page.get_by_role("list", name="Cases").get_by_role("link", name=title).click()
    await expect(page.get_by_role("heading", name=title, level=1)).to_be_visible()


async def test_officer_asks_partner_answers_then_withdraws(
    open_page: Callable[[str], Awaitable[Page]], shots: Shots
) -> None:
    partner = await open_page("demo-partner-PL")
    await partner.get_by_label("Search").fill("Kremin-M")
    await partner.get_by_role("link", name="Kremin-M", exact=True).click()
    await partner.get_by_label("Quantity (units)").fill("5")
    await partner.get_by_label("End user", exact=True).fill("12th Logistics Battalion")
    await partner.get_by_label("End-use statement").fill("Casualty evacuation training")
    await partner.get_by_role("button", name="Request quote").click()
    await expect(partner.locator(".quote-result")).to_contain_text("Fast track queue")

    officer = await open_page("demo-licensing")
    title = "Kremin-M for Polish Armament Agency (demo)"
    await open_case(officer, title)
    await officer.get_by_label("Decision", exact=True).select_option("REQUEST_INFO")
    await officer.get_by_label("Reason").fill("Which brigade will operate the units?")
    await officer.get_by_role("button", name="Record decision").click()
    await expect(officer.locator("#case-status-badge")).to_have_text("Info requested")

    await partner.get_by_role("link", name="My quotes", exact=True).click()
    quote = partner.get_by_role("list", name="Quote requests").get_by_role("listitem")
    await expect(quote).to_contain_text("Licensing asks: Which brigade will operate the units?")
    await expect(quote).to_contain_text("paused until you answer")
    await partner.get_by_role("button", name="Send answer").click()
    await expect(partner.get_by_label("Your answer")).to_have_attribute("aria-invalid", "true")
    await partner.get_by_label("Your answer").fill("The 3rd Assault Brigade")
    await partner.get_by_role("button", name="Send answer").click()
    await expect(quote.locator(".badge")).to_have_text("Licensing review")
    await expect(quote).to_contain_text("The 3rd Assault Brigade")
    await shots.take(partner, "answered")

    await officer.get_by_role("link", name="Queues", exact=True).click()
    await open_case(officer, title)
    await expect(officer.get_by_role("region", name="The request")).to_contain_text(
        "The 3rd Assault Brigade"
    )
    await expect(officer.locator("#case-status-badge")).to_have_text("Open")

    await partner.get_by_text("Withdraw this request").click()
    await partner.get_by_label("Reason (optional)").fill("Requirement met elsewhere")
    await partner.get_by_role("button", name="Withdraw request").click()
    await expect(quote.locator(".badge")).to_have_text("Withdrawn")
    await expect(partner.get_by_text("Withdraw this request")).to_have_count(0)
    await shots.take(partner, "withdrawn")


async def test_a_revoked_release_puts_the_case_on_hold_for_everyone_to_see(
    open_page: Callable[[str], Awaitable[Page]], shots: Shots
) -> None:
    partner = await open_page("demo-partner-PL")
    await partner.get_by_label("Search").fill("Kremin-M")
    await partner.get_by_role("link", name="Kremin-M", exact=True).click()
    await partner.get_by_label("Quantity (units)").fill("4")
    await partner.get_by_label("End user", exact=True).fill("5th Logistics Battalion")
    await partner.get_by_label("End-use statement").fill("Resupply trials")
    await partner.get_by_role("button", name="Request quote").click()
    await expect(partner.locator(".quote-result")).to_contain_text("Quote requested")

    curator = await open_page("demo-curator")
    await curator.get_by_role("link", name="All listings").click()
    await curator.get_by_label("Search").fill("Kremin-M")
    await curator.get_by_role("link", name="Kremin-M", exact=True).click()
    await expect(curator.locator("#product-status")).to_have_text("Published")
    await expect(curator.get_by_text("Units reserved by accepted quotes")).to_be_visible()
    await curator.get_by_role("button", name="Revoke release to PL").click()
    await expect(curator.get_by_role("list", name="Released to")).not_to_contain_text("PL")

    officer = await open_page("demo-licensing")
    await officer.get_by_label("Status").select_option("ON_HOLD")
    cases = officer.get_by_role("list", name="Cases").get_by_role("listitem")
    await expect(cases).to_have_count(1)
    await expect(cases).to_contain_text("Release revoked")
    await cases.get_by_role("link", name="Kremin-M for Polish Armament Agency (demo)").click()
    await expect(officer.locator("#case-status-badge")).to_have_text("On hold")
    why = officer.get_by_role("region", name="Why the case is on hold")
    await expect(why).to_contain_text("Release revoked")
    await expect(why).to_contain_text("Releasing it again resumes the case")
    await expect(officer.get_by_text("paused while the case is on hold")).to_be_visible()
    decisions = officer.get_by_label("Decision", exact=True).locator("option")
    await expect(decisions).to_have_text(["Choose a decision…", "Refuse"])  # nothing else
    await shots.take(officer, "held-case")

    await partner.get_by_role("link", name="My quotes", exact=True).click()
    quote = partner.get_by_role("list", name="Quote requests").get_by_role("listitem")
    await expect(quote.locator(".badge.on-hold")).to_have_text("On hold")
    await expect(quote).to_contain_text("The product is no longer released to your country.")
    await expect(quote).to_contain_text("paused while on hold")
    await shots.take(partner, "quote-on-hold")

    maker = await open_page("demo-manufacturer-1")
    await maker.get_by_role("link", name="Quotes", exact=True).click()
    mine = maker.get_by_role("list", name="Quote requests").get_by_role("listitem")
    await expect(mine).to_have_count(1)
    await expect(mine).to_contain_text("On hold")
    await expect(mine.get_by_text("Make or revise the offer")).to_have_count(0)

    await curator.get_by_label("Poland (PL)").check()
    await curator.get_by_role("button", name="Release", exact=True).click()
    await expect(curator.get_by_role("list", name="Released to")).to_contain_text("PL")
    await officer.get_by_role("link", name="Queues", exact=True).click()
    await open_case(officer, "Kremin-M for Polish Armament Agency (demo)")
    await expect(officer.locator("#case-status-badge")).to_have_text("Open")
    await expect(officer.get_by_role("region", name="Why the case is on hold")).to_have_count(0)
    await partner.get_by_role("link", name="Catalogue").click()
    await partner.get_by_role("link", name="My quotes", exact=True).click()
    quote = partner.get_by_role("list", name="Quote requests").get_by_role("listitem")
    await expect(quote).to_contain_text("Licensing review")
    await expect(quote.locator(".badge.on-hold")).to_have_count(0)
