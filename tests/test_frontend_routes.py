"""What the web page relies on besides GraphQL: its files, its headers, the dev-only demo
client list, and the status filter curators use for their review queue."""

import json
from pathlib import Path
from typing import Any

import httpx

from api.app import create_app
from api.settings import Settings
from catalog.core.db import Database
from tests.graphql import gql

STATUSES = """query($filter: ProductFilter) {
  products(filter: $filter, first: 100) { totalCount edges { node { name } } }
}"""


def _app_client(settings: Settings, db: Database) -> httpx.AsyncClient:
    transport = httpx.ASGITransport(app=create_app(settings, db=db))
    return httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000")


async def test_the_page_and_its_files_are_served_with_a_strict_policy(
    api: httpx.AsyncClient,
) -> None:
    page = await api.get("/")
    assert page.status_code == 200
    assert '<script type="module" src="/static/js/app.js">' in page.text
    policy = page.headers["content-security-policy"]
    assert "script-src 'self'" in policy
    assert "frame-ancestors 'none'" in policy
    assert page.headers["x-content-type-options"] == "nosniff"
    script = await api.get("/static/js/app.js")
    assert script.status_code == 200
    assert "javascript" in script.headers["content-type"]
    style = await api.get("/static/style.css")
    assert style.status_code == 200
    assert (await api.get("/static/../api/settings.py")).status_code == 404


async def test_demo_clients_are_listed_only_in_dev_mode(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    path = tmp_path / "demo-credentials.json"
    path.write_text(json.dumps({"demo-curator": {"client_id": "c1", "client_secret": "s1"}}))
    production = Settings(database_url=database_url, demo_credentials_file=path)
    async with _app_client(production, db) as client:
        assert (await client.get("/dev/demo-clients")).status_code == 404
    dev = Settings(database_url=database_url, market_env="dev", demo_credentials_file=path)
    async with _app_client(dev, db) as client:
        response = await client.get("/dev/demo-clients")
    assert response.status_code == 200
    assert response.headers["cache-control"] == "no-store"
    assert response.json() == {
        "clients": [{"slug": "demo-curator", "clientId": "c1", "clientSecret": "s1"}]
    }


async def test_dev_mode_without_seeded_clients_lists_none(
    database_url: str, db: Database, tmp_path: Path
) -> None:
    dev = Settings(
        database_url=database_url, market_env="dev", demo_credentials_file=tmp_path / "none.json"
    )
    async with _app_client(dev, db) as client:
        response = await client.get("/dev/demo-clients")
    assert response.status_code == 200
    assert response.json() == {"clients": []}


async def test_status_filter_narrows_and_never_widens(
    api: httpx.AsyncClient, token_for: Any
) -> None:
    curator = await token_for("demo-curator")
    submitted = await gql(api, curator, STATUSES, {"filter": {"status": "SUBMITTED"}})
    names = {e["node"]["name"] for e in submitted["data"]["products"]["edges"]}
    assert "Perekat Mine-Clearing Ground Drone" in names
    assert submitted["data"]["products"]["totalCount"] == len(names) == 3
    everything = await gql(api, curator, STATUSES, {"filter": None})
    assert everything["data"]["products"]["totalCount"] == 30

    partner = await token_for("demo-partner-PL")
    hidden = await gql(api, partner, STATUSES, {"filter": {"status": "SUBMITTED"}})
    assert hidden["data"]["products"] == {"totalCount": 0, "edges": []}
    published = await gql(api, partner, STATUSES, {"filter": {"status": "PUBLISHED"}})
    unfiltered = await gql(api, partner, STATUSES, {"filter": None})
    assert published["data"] == unfiltered["data"]
    assert published["data"]["products"]["totalCount"] > 0
