"""Partner countries and embargoes as data, over GraphQL (SQLite and PostgreSQL): releases and
deliveries only to the programme's partner countries, simulations through the same gates as
quotes, and every change to the list or to an embargo reconciling the quotes it concerns."""

import httpx

from catalog.core.countries import DEFAULT_PARTNERS
from catalog.core.db import Database
from schema.relay import to_global_id
from tests.graphql import error_codes, gql
from tests.integrity_support import RELEASE_AGAIN as RELEASE
from tests.integrity_support import Desk, TokenFor, codes, country_change, product_named
from tests.quote_helpers import counts

SIMULATE = """query($input: SimulateRoutingInput!) { simulateRouting(input: $input) {
  queue refused refusalReason flags } }"""
LISTED = "{ partnerCountries { code } }"
CATALOGUE = "{ products(first: 5) { totalCount } }"


async def test_releases_and_deliveries_only_to_partner_countries(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    """`releaseProduct` to CN and a quote delivered to CN were accepted."""
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    kremin = await product_named(db, "Kremin")
    before = await counts(db)
    variables = {"id": to_global_id("Product", kremin.id), "countries": ["CN", "RU", "DE"]}
    refused = (await desk.run(desk.curator, RELEASE, variables))["releaseProduct"]
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("countries", "NOT_A_PARTNER_COUNTRY"),
        ("countries", "EMBARGOED"),
    ]
    assert await counts(db) == before

    quote = await desk.request(kremin.id, deliveryCountry="CN")
    assert quote["status"] == "REFUSED"
    assert quote["refusalReason"] == (
        "delivery country CN is not one of the programme's partner countries"
    )
    case = await desk.case(quote["licensingCase"]["id"])
    assert case["status"] == "REFUSED" and "NOT_A_PARTNER_COUNTRY" in case["flags"]
    assert case["routing"]["refused"] is True


async def test_simulation_applies_the_same_gates_as_a_quote(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    """`simulateRouting` with an embargoed partner country answered `refused: false`."""
    officer = await token_for("demo-licensing")
    facts = {
        "quantity": 2,
        "partnerCountry": "BY",
        "deliveryCountry": "PL",
        "category": "GROUND_DRONE",
        "controlEntry": "ML6",
        "techTransfer": "NONE",
    }
    decision = (await gql(api, officer, SIMULATE, {"input": facts}))["data"]["simulateRouting"]
    assert decision["refused"] is True
    assert decision["refusalReason"] == "partner country BY is under an arms embargo"
    assert "EMBARGOED" in decision["flags"]
    off_list = {**facts, "partnerCountry": "JP", "deliveryCountry": "JP"}
    decision = (await gql(api, officer, SIMULATE, {"input": off_list}))["data"]["simulateRouting"]
    assert decision["refused"] and "NOT_A_PARTNER_COUNTRY" in decision["flags"]
    fine = {**facts, "partnerCountry": "PL", "unitPriceEur": "40000"}
    decision = (await gql(api, officer, SIMULATE, {"input": fine}))["data"]["simulateRouting"]
    assert decision == {"queue": "FAST_TRACK", "refused": False, "refusalReason": None, "flags": []}


async def test_curators_keep_the_partner_country_list(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    listed = (await desk.run(desk.partner, LISTED))["partnerCountries"]
    assert {c["code"] for c in listed} == DEFAULT_PARTNERS

    add, remove = country_change("addPartnerCountry"), country_change("removePartnerCountry")
    added = (await desk.run(desk.curator, add, {"country": "jp"}))["addPartnerCountry"]
    assert added == {"country": {"code": "JP", "partner": True, "embargoed": False}, "errors": []}
    kremin = await product_named(db, "Kremin")
    variables = {"id": to_global_id("Product", kremin.id), "countries": ["JP"]}
    assert (await desk.run(desk.curator, RELEASE, variables))["releaseProduct"]["errors"] == []
    for code, expected in (("RU", "EMBARGOED"), ("ZZ", "UNKNOWN_COUNTRY")):
        answer = (await desk.run(desk.curator, add, {"country": code}))["addPartnerCountry"]
        assert codes(answer) == [expected]
    for token in (desk.partner, desk.officer):
        denied = await gql(api, token, add, {"country": "KR"}, expect_errors=True)
        assert error_codes(denied) == ["FORBIDDEN"]

    # taking Poland off the list: its partner sees nothing and its open quotes are held
    quote = await desk.request(kremin.id)
    removed = (await desk.run(desk.curator, remove, {"country": "PL"}))["removePartnerCountry"]
    assert removed["country"]["partner"] is False
    assert (await desk.run(desk.partner, CATALOGUE))["products"]["totalCount"] == 0
    case = await desk.case(quote["licensingCase"]["id"])
    assert case["status"] == "ON_HOLD" and case["holdCauses"] == ["NOT_A_PARTNER_COUNTRY"]
    view = await desk.quote(quote["id"])
    assert view["onHold"] and "not a partner country" in view["holdReason"]
    await desk.run(desk.curator, add, {"country": "PL"})
    assert (await desk.case(quote["licensingCase"]["id"]))["status"] == "OPEN"
    assert (await desk.run(desk.partner, CATALOGUE))["products"]["totalCount"] > 0


async def test_an_embargo_holds_quotes_and_takes_the_country_off_the_list(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await Desk.open(api, token_for, "demo-partner-DE", "demo-manufacturer-1")
    kremin = await product_named(db, "Kremin")
    own = await desk.request(kremin.id, deliveryCountry="DE")
    pl = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    delivering = await pl.request(kremin.id, deliveryCountry="DE")  # a re-export to Germany

    embargo, lift = country_change("embargoCountry"), country_change("liftEmbargo")
    denied = await gql(api, desk.curator, embargo, {"country": "DE"}, expect_errors=True)
    assert error_codes(denied) == ["FORBIDDEN"]
    imposed = (await desk.run(desk.officer, embargo, {"country": "DE"}))["embargoCountry"]
    assert imposed["country"] == {"code": "DE", "partner": False, "embargoed": True}
    for quote in (own, delivering):
        case = await desk.case(quote["licensingCase"]["id"])
        assert case["status"] == "ON_HOLD" and "EMBARGOED" in case["holdCauses"]
    assert codes(await desk.decide(delivering["licensingCase"]["id"], "APPROVE")) == ["NOT_ALLOWED"]

    # lifting the embargo does not make Germany a partner country again: still held
    await desk.run(desk.officer, lift, {"country": "DE"})
    case = await desk.case(own["licensingCase"]["id"])
    assert case["status"] == "ON_HOLD" and case["holdCauses"] == ["NOT_A_PARTNER_COUNTRY"]
    await desk.run(desk.curator, country_change("addPartnerCountry"), {"country": "DE"})
    for quote in (own, delivering):
        assert (await desk.case(quote["licensingCase"]["id"]))["status"] == "OPEN"
