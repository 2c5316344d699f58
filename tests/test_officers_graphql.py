"""Officers are people, over GraphQL with real tokens on SQLite and PostgreSQL: curators add
named officers, licensing and curator clients act for one, decisions name the person, and
four-eyes counts people, whichever clients they use."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from catalog.core.db import Database
from catalog.demo.seed import DEMO_OFFICERS
from tests.graphql import error_codes, gql
from tests.integrity_support import Desk, product_named

TokenFor = Callable[..., Awaitable[str]]

OLENA, TARAS = (email for _, email in DEMO_OFFICERS["demo-licensing"])
ORGS = """query($kind: OrganisationKind) { organisations(kind: $kind, first: 100) {
  edges { node { id slug } } } }"""
CREATE_OFFICER = """mutation($input: CreateOfficerInput!) { createOfficer(input: $input) {
  officer { id name email } errors { field code } } }"""
OFFICERS = """query($org: ID!) { officers(organisationId: $org) { id name email } }"""
CREATE_CLIENT = """mutation($input: CreateApiClientInput!) { createApiClient(input: $input) {
  apiClient { clientId officer { id name } } clientSecret errors { field code } } }"""
DECIDE = """mutation($input: DecideCaseInput!) { decideCase(input: $input) {
  licensingCase { status decisions { decision officer officerId } } errors { code } } }"""


async def _org_ids(api: httpx.AsyncClient, curator: str) -> dict[str, str]:
    body = await gql(api, curator, ORGS)
    return {e["node"]["slug"]: e["node"]["id"] for e in body["data"]["organisations"]["edges"]}


async def _officer(api: httpx.AsyncClient, curator: str, org: str, **fields: str) -> Any:
    variables = {"input": {"organisationId": org, **fields}}
    return (await gql(api, curator, CREATE_OFFICER, variables))["data"]["createOfficer"]


async def test_curators_add_officers_to_licensing_and_curator_organisations_only(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    curator = await token_for("demo-curator")
    orgs = await _org_ids(api, curator)
    added = await _officer(
        api, curator, orgs["demo-licensing"], name="Mykola Shevchuk", email="M.Shevchuk@gov.example"
    )
    assert added["errors"] == []
    assert added["officer"]["email"] == "m.shevchuk@gov.example"
    listed = (await gql(api, curator, OFFICERS, {"org": orgs["demo-licensing"]}))["data"]
    names = [o["name"] for o in listed["officers"]]
    assert names == ["Mykola Shevchuk", "Olena Kovalenko", "Taras Melnyk"]

    again = await _officer(
        api, curator, orgs["demo-curator"], name="M", email="m.shevchuk@gov.example"
    )
    assert again["errors"] == [{"field": "email", "code": "CONFLICT"}]
    partner = await _officer(api, curator, orgs["demo-partner-PL"], name="P", email="p@pl.example")
    assert partner["errors"] == [{"field": "organisationId", "code": "INVALID"}]
    bad = await _officer(api, curator, orgs["demo-licensing"], name="X", email="not an address")
    assert bad["errors"] == [{"field": "email", "code": "INVALID"}]

    officer = await token_for("demo-licensing")
    variables = {
        "input": {"organisationId": orgs["demo-licensing"], "name": "A", "email": "a@b.cd"}
    }
    refused = await gql(api, officer, CREATE_OFFICER, variables, expect_errors=True)
    assert error_codes(refused) == ["FORBIDDEN"]


async def test_licensing_clients_act_for_an_officer_of_their_organisation(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    curator = await token_for("demo-curator")
    orgs = await _org_ids(api, curator)
    licensing = orgs["demo-licensing"]
    people = (await gql(api, curator, OFFICERS, {"org": licensing}))["data"]["officers"]
    staff = (await gql(api, curator, OFFICERS, {"org": orgs["demo-curator"]}))["data"]["officers"]

    def client_input(**more: Any) -> dict[str, Any]:
        return {"input": {"organisationId": licensing, "name": "desk", **more}}

    missing = (await gql(api, curator, CREATE_CLIENT, client_input()))["data"]["createApiClient"]
    assert missing["errors"] == [{"field": "officerId", "code": "INVALID"}]
    assert missing["clientSecret"] is None
    foreign = client_input(officerId=staff[0]["id"])
    wrong = (await gql(api, curator, CREATE_CLIENT, foreign))["data"]["createApiClient"]
    assert wrong["errors"] == [{"field": "officerId", "code": "NOT_FOUND"}]
    bound = client_input(officerId=people[0]["id"])
    made = (await gql(api, curator, CREATE_CLIENT, bound))["data"]["createApiClient"]
    officer = {"id": people[0]["id"], "name": people[0]["name"]}
    assert made["errors"] == [] and made["apiClient"]["officer"] == officer


async def test_one_officer_through_two_clients_gives_one_four_eyes_approval(
    api: httpx.AsyncClient, db: Database, token_for: TokenFor
) -> None:
    desk = await Desk.open(api, token_for, "demo-partner-PL", "demo-manufacturer-2")
    tropa = await product_named(db, "Tropa Heavy Logistics Ground Drone")
    quote = await desk.request(tropa.id, quantity=2, coProduction=True, deliveryCountry="DE")
    case_id = quote["licensingCase"]["id"]
    assert (await desk.case(case_id))["approvalsRequired"] == 2

    # Olena's first client comes from the command line's path, her second from GraphQL.
    first = await token_for("demo-licensing", officer_email=OLENA)
    curator = await token_for("demo-curator")
    orgs = await _org_ids(api, curator)
    people = (await gql(api, curator, OFFICERS, {"org": orgs["demo-licensing"]}))["data"]
    olena = next(p for p in people["officers"] if p["email"] == OLENA)
    variables = {
        "input": {
            "organisationId": orgs["demo-licensing"],
            "name": "laptop",
            "officerId": olena["id"],
        }
    }
    issued = (await gql(api, curator, CREATE_CLIENT, variables))["data"]["createApiClient"]
    response = await api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(issued["apiClient"]["clientId"], issued["clientSecret"]),
    )
    second = response.json()["access_token"]
    taras = await token_for("demo-licensing", officer_email=TARAS)

    async def approve(token: str) -> dict[str, Any]:
        given = {"input": {"caseId": case_id, "decision": "APPROVE", "reason": "checked"}}
        return dict((await gql(api, token, DECIDE, given))["data"]["decideCase"])

    partial = await approve(first)
    assert partial["errors"] == [] and partial["licensingCase"]["status"] == "OPEN"
    twice = await approve(second)
    assert twice == {"licensingCase": None, "errors": [{"code": "FOUR_EYES"}]}
    final = await approve(taras)
    assert final["errors"] == [] and final["licensingCase"]["status"] == "APPROVED"
    decisions = final["licensingCase"]["decisions"]
    assert [d["officer"] for d in decisions] == ["Olena Kovalenko", "Taras Melnyk"]
    assert decisions[0]["officerId"] == olena["id"]
    assert decisions[1]["officerId"] not in (None, olena["id"])
