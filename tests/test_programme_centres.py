"""Export centres over GraphQL (SQLite and PostgreSQL): curators keep them, manufacturers link
products, partners filter listings and search by centre, and a quote delivered through an OPEN
centre with DELIVERY is routed with the centre's country as a transit country."""

import uuid
from typing import Any

import httpx

from api.app import create_app
from api.settings import Settings
from catalog.core.db import Database
from schema.relay import to_global_id
from search.indexer import rebuild
from search.meili import MeiliSearch
from search.meili_server import MeiliServer
from tests.graphql import gql
from tests.integrity_support import Desk, TokenFor, country_change, product_named
from tests.quote_graphql import REQUEST, request_vars

CENTRES = """query($status: ExportCentreStatus) { exportCentres(status: $status) {
  id name country city status categories services } }"""
CREATE = """mutation($input: CreateExportCentreInput!) { createExportCentre(input: $input) {
  exportCentre { id name country status services } errors { field code message } } }"""
UPDATE = """mutation($input: UpdateExportCentreInput!) { updateExportCentre(input: $input) {
  exportCentre { id status city } errors { field code message } } }"""
LINK = """mutation($input: SetProductExportCentresInput!) { setProductExportCentres(input: $input)
  { product { name exportCentres { name } } errors { field code message } } }"""
PRODUCTS = """query($filter: ProductFilter) { products(first: 100, filter: $filter) {
  edges { node { name exportCentres { name country } } } } }"""
SEARCH = """query($q: String!, $filter: ProductFilter) { search(query: $q, filter: $filter) {
  edges { node { name } } } }"""
EXPLANATION = """query($id: ID!) { licensingCase(id: $id) {
  flags routing { explanation { ruleName matched } } } }"""
QUOTE_CENTRE = """query($id: ID!) { quoteRequest(id: $id) { exportCentre { name country } } }"""


def _by_name(centres: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {c["name"]: c for c in centres}


async def test_curators_keep_centres_and_partners_filter_by_them(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    seeded = (await desk.run(desk.partner, CENTRES))["exportCentres"]
    assert {c["country"] for c in seeded} == {"EE", "LV", "LT", "FI", "SE", "NO", "DK"}
    assert {c["status"] for c in seeded} == {"OPEN", "PLANNED"}
    planned = (await desk.run(desk.partner, CENTRES, {"status": "PLANNED"}))["exportCentres"]
    assert sorted(c["country"] for c in planned) == ["FI", "SE"]

    new = {"name": "Warsaw Hub", "country": "PL", "city": "Warsaw", "services": ["DELIVERY"]}
    denied = await gql(api, desk.partner, CREATE, {"input": new}, expect_errors=True)
    assert denied["errors"][0]["extensions"]["code"] == "FORBIDDEN"
    outside = await desk.run(desk.curator, CREATE, {"input": {**new, "country": "CN"}})
    assert [(e["field"], e["code"]) for e in outside["createExportCentre"]["errors"]] == [
        ("country", "NOT_A_PARTNER_COUNTRY")
    ]
    created = (await desk.run(desk.curator, CREATE, {"input": new}))["createExportCentre"]
    assert created["errors"] == [] and created["exportCentre"]["status"] == "PLANNED"
    centre_id = created["exportCentre"]["id"]
    opened = await desk.run(
        desk.curator, UPDATE, {"input": {"exportCentreId": centre_id, "status": "OPEN"}}
    )
    assert opened["updateExportCentre"]["exportCentre"]["status"] == "OPEN"

    pomich = await product_named(db, "Pomich Evacuation Ground Drone")
    link = {"productId": to_global_id("Product", pomich.id), "exportCentreIds": [centre_id]}
    linked = (await desk.run(desk.maker, LINK, {"input": link}))["setProductExportCentres"]
    assert linked == {
        "product": {"name": pomich.name, "exportCentres": [{"name": "Warsaw Hub"}]},
        "errors": [],
    }
    other_maker = await token_for("demo-manufacturer-2")
    foreign = (await desk.run(other_maker, LINK, {"input": link}))["setProductExportCentres"]
    assert [e["code"] for e in foreign["errors"]] == ["NOT_FOUND"]

    at_warsaw = {"filter": {"exportCentreId": centre_id}}
    listed = (await desk.run(desk.partner, PRODUCTS, at_warsaw))["products"]["edges"]
    assert [e["node"] for e in listed] == [
        {"name": pomich.name, "exportCentres": [{"name": "Warsaw Hub", "country": "PL"}]}
    ]
    tallinn = _by_name(seeded)["Tallinn Export Centre"]["id"]
    in_tallinn = await desk.run(desk.partner, PRODUCTS, {"filter": {"exportCentreId": tallinn}})
    names = sorted(e["node"]["name"] for e in in_tallinn["products"]["edges"])
    assert names == ["Kremin", "Mist Mesh Relay Ground Drone", "Storozh Coastal Patrol Sea Drone"]
    found = await desk.run(desk.partner, SEARCH, {"q": "drone", "filter": at_warsaw["filter"]})
    assert [e["node"]["name"] for e in found["search"]["edges"]] == [pomich.name]
    none = await desk.run(desk.partner, SEARCH, {"q": "Kremin", "filter": at_warsaw["filter"]})
    assert none["search"]["edges"] == []


async def test_a_quote_through_an_export_centre_is_routed_via_its_country(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-1")
    centres = _by_name((await desk.run(desk.partner, CENTRES))["exportCentres"])
    kremin = await product_named(db, "Kremin")
    tallinn = centres["Tallinn Export Centre"]["id"]
    quote = await desk.request(kremin.id, exportCentreId=tallinn, deliveryCountry="PL")
    case_id = quote["licensingCase"]["id"]
    routed = (await desk.run(desk.officer, EXPLANATION, {"id": case_id}))["licensingCase"]
    assert "VIA_EXPORT_CENTRE" in routed["flags"] and "RE_EXPORT" not in routed["flags"]
    gate = [e for e in routed["routing"]["explanation"] if "export centre" in e["ruleName"]]
    assert gate == [
        {
            "ruleName": "Hard gate: delivery through an export centre: transit through EE, "
            "final destination PL",
            "matched": True,
        }
    ]
    assert (await desk.case(case_id))["status"] == "OPEN"
    shown = (await desk.run(desk.partner, QUOTE_CENTRE, {"id": quote["id"]}))["quoteRequest"]
    assert shown["exportCentre"] == {"name": "Tallinn Export Centre", "country": "EE"}

    for change, cause in (
        ({"status": "CLOSED"}, "EXPORT_CENTRE_UNAVAILABLE"),
        ({"status": "OPEN", "services": ["DEMONSTRATION"]}, "EXPORT_CENTRE_UNAVAILABLE"),
    ):
        closed = await desk.run(
            desk.curator, UPDATE, {"input": {"exportCentreId": tallinn, **change}}
        )
        assert closed["updateExportCentre"]["errors"] == []
        held = await desk.case(case_id)
        assert (held["status"], held["holdCauses"]) == ("ON_HOLD", [cause])
    reopened = {"exportCentreId": tallinn, "services": ["DELIVERY", "DEMONSTRATION", "TRAINING"]}
    assert (await desk.run(desk.curator, UPDATE, {"input": reopened}))["updateExportCentre"][
        "errors"
    ] == []
    assert (await desk.case(case_id))["status"] == "OPEN"
    embargo = country_change("embargoCountry")
    assert (await desk.run(desk.officer, embargo, {"country": "EE"}))["embargoCountry"][
        "errors"
    ] == []
    held = await desk.case(case_id)
    assert held["status"] == "ON_HOLD" and "EMBARGOED" in held["holdCauses"]
    seen = await desk.quote(quote["id"])
    assert seen["holdReason"].startswith("An arms embargo applies to a country of this request.")

    riga = centres["Riga Ground Systems Centre"]["id"]
    abroad = await desk.request(kremin.id, exportCentreId=riga, deliveryCountry="DE")
    flags = (await desk.case(abroad["licensingCase"]["id"]))["flags"]
    assert {"VIA_EXPORT_CENTRE", "RE_EXPORT"} <= set(flags)
    through_ee = await gql(
        api, desk.partner, REQUEST, {"input": request_vars(kremin.id, exportCentreId=tallinn)}
    )
    refused = through_ee["data"]["requestQuote"]["quoteRequest"]
    assert refused["status"] == "REFUSED" and "transit country EE" in refused["refusalReason"]

    storozh = await product_named(db, "Storozh Coastal Patrol Sea Drone")
    for centre, product_id, why in (
        ("Helsinki Export Centre", kremin.id, "is PLANNED, not OPEN"),
        ("Gothenburg Maritime Centre", storozh.id, "is PLANNED, not OPEN"),
        ("Riga Ground Systems Centre", storozh.id, "does not handle NAVAL_DRONE"),
    ):
        variables = request_vars(product_id, exportCentreId=centres[centre]["id"])
        payload = (await gql(api, desk.partner, REQUEST, {"input": variables}))["data"]
        errors = payload["requestQuote"]["errors"]
        assert [(e["field"], e["code"]) for e in errors] == [("exportCentreId", "NOT_ALLOWED")]
        assert errors[0]["message"] == f"{centre} {why}"


async def test_search_through_meilisearch_filters_by_centre(
    settings: Settings, seeded: Database, meili_server: MeiliServer, token_for: TokenFor
) -> None:
    backend = MeiliSearch(
        seeded, meili_server.url, meili_server.master_key, f"t_{uuid.uuid4().hex[:12]}"
    )
    async for _ in rebuild(seeded, backend):
        pass
    app = create_app(settings, db=seeded, search=backend)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        token = await token_for("demo-partner-PL")
        centres = _by_name((await gql(client, token, CENTRES))["data"]["exportCentres"])
        tallinn = {"exportCentreId": centres["Tallinn Export Centre"]["id"]}
        found = await gql(client, token, SEARCH, {"q": "drone", "filter": tallinn})
        names = sorted(e["node"]["name"] for e in found["data"]["search"]["edges"])
        assert names == [
            "Kremin",
            "Mist Mesh Relay Ground Drone",
            "Storozh Coastal Patrol Sea Drone",
        ]
