"""Live updates in a real browser: "My quotes" and the officers' queues change while the page
stays open (the page's own WebSocket, graphql-transport-ws), with no reload or navigation."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
from playwright.async_api import Page, expect

from catalog.core.db import Database
from catalog.core.enums import TechTransfer
from tests.browser import Market, browser, market, open_page
from tests.quote_graphql import DECIDE, request_vars, requested
from tests.quote_helpers import principal_of, product_for

__all__ = ["browser", "market", "open_page"]


async def token(http: httpx.AsyncClient, market: Market, label: str) -> str:
    client = market.credentials[label]
    issued = await http.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(client["client_id"], client["client_secret"]),
    )
    assert issued.status_code == 200, issued.text
    return str(issued.json()["access_token"])


async def decide(http: httpx.AsyncClient, officer: str, case_id: str) -> None:
    variables: dict[str, Any] = {
        "input": {"caseId": case_id, "decision": "APPROVE", "reason": "checked"}
    }
    response = await http.post(
        "/graphql",
        json={"query": DECIDE, "variables": variables},
        headers={"Authorization": f"Bearer {officer}"},
    )
    assert response.json()["data"]["decideCase"]["errors"] == []


async def test_my_quotes_and_the_queues_update_live(
    open_page: Callable[[str], Awaitable[Page]], market: Market, database_url: str
) -> None:
    db = Database(database_url, pool_size=1)
    try:
        pl = await principal_of(db, "demo-partner-PL")
        product = await product_for(db, pl, tech_transfer=TechTransfer.MAINTENANCE)
    finally:
        await db.dispose()
    async with httpx.AsyncClient(base_url=market.url, timeout=10) as http:
        partner_token = await token(http, market, "demo-partner-PL")
        officers = [
            await token(http, market, "demo-licensing"),
            await token(http, market, "demo-licensing-second-officer"),
        ]
        partner = await open_page("demo-partner-PL")
        await partner.get_by_role("link", name="My quotes").first.click()
        await expect(partner.get_by_text("You have not requested any quotes yet.")).to_be_visible()
        officer = await open_page("demo-licensing")
        await expect(officer.get_by_role("heading", name="Licensing queues")).to_be_visible()
        await expect(officer.get_by_text("No cases in this queue.")).to_be_visible()

        # Requested elsewhere: it appears on both open pages.
        quote = await requested(http, partner_token, request_vars(product.id))
        mine = partner.get_by_role("list", name="Quote requests").get_by_role("listitem")
        await expect(mine).to_have_count(1)
        await expect(mine).to_contain_text("Licensing review")
        cases = officer.get_by_role("list", name="Cases").get_by_role("listitem")
        await expect(cases).to_have_count(1)

        # Two officers approve elsewhere: the partner's open page shows the licence.
        for officer_token in officers:
            await decide(http, officer_token, quote["licensingCase"]["id"])
        await expect(mine.locator(".badge").first).to_have_text("Licensed")
