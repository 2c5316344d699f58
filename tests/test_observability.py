"""Metrics, request ids and structured logs."""

import io
import json
import logging
from collections.abc import Awaitable, Callable, Iterator

import httpx
import pytest
from prometheus_client.parser import text_string_to_metric_families

from api.app import create_app
from api.logs import JsonFormatter
from api.settings import Settings
from auth.clients import create_client
from catalog.core.db import Database
from notify.webhooks import fan_out
from tests.graphql import gql

LISTING = "query Listing { products(first: 2) { edges { node { name } } } }"


async def scrape(api: httpx.AsyncClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    response = await api.get("/metrics")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/plain")
    samples = {}
    for family in text_string_to_metric_families(response.text):
        for sample in family.samples:
            samples[sample.name, tuple(sorted(sample.labels.items()))] = sample.value
    return samples


def value(samples: dict, name: str, **labels: str) -> float:  # type: ignore[type-arg]
    return float(samples.get((name, tuple(sorted(labels.items()))), 0.0))


async def test_metrics_count_operations_errors_backlog_and_pools(
    api: httpx.AsyncClient, token_for: Callable[..., Awaitable[str]], db: Database
) -> None:
    partner = await token_for("demo-partner-PL")
    await gql(api, partner, LISTING)
    await gql(api, partner, LISTING)
    forbidden = await gql(api, partner, "query Vetting { partners { name } }", expect_errors=True)
    assert forbidden["errors"]
    await gql(api, partner, "query Broken { products { nope } }", expect_errors=True)
    await gql(api, partner, 'query Find { search(query: "drone") { totalCount } }')

    samples = await scrape(api)
    assert value(samples, "market_graphql_requests_total", operation="Listing") == 2
    assert value(samples, "market_graphql_request_duration_seconds_count", operation="Listing") == 2
    assert value(samples, "market_graphql_errors_total", code="FORBIDDEN") == 1
    # Counted with the code the answer carried (the document did not fit the schema).
    assert value(samples, "market_graphql_errors_total", code="GRAPHQL_VALIDATION_FAILED") == 1
    assert value(samples, "market_search_duration_seconds_count", backend="sql") == 1
    ok = {"method": "POST", "route": "/graphql", "status": "200"}
    assert value(samples, "market_http_requests_total", **ok) == 5
    assert value(samples, "market_db_pool_size", engine="read") > 0
    assert ("market_db_pool_connections_in_use", (("engine", "read"),)) in samples
    assert value(samples, "market_outbox_backlog", consumer="webhooks") > 0

    await fan_out(db, lambda: False)
    assert value(await scrape(api), "market_outbox_backlog", consumer="webhooks") == 0


async def test_each_app_has_its_own_registry(settings: Settings, db: Database) -> None:
    first, second = create_app(settings, db=db), create_app(settings, db=db)
    assert first.state.metrics.registry is not second.state.metrics.registry


async def test_operation_labels_are_bounded(api: httpx.AsyncClient) -> None:
    metrics = api._transport.app.state.metrics  # type: ignore[attr-defined]
    assert metrics.operation_label(None) == "anonymous"
    assert metrics.operation_label("x" * 65) == "invalid"
    assert metrics.operation_label("Drop table;") == "invalid"
    names = {metrics.operation_label(f"Op{i}") for i in range(300)}
    assert "other" in names and len(names) == 201


@pytest.mark.parametrize(
    ("given", "kept"),
    [("req-0042.a_b", True), ("bad id 0042", False), ("x" * 200, False), (None, False)],
)
async def test_request_id_is_honoured_or_made_up_and_always_returned(
    api: httpx.AsyncClient, given: str | None, kept: bool
) -> None:
    headers = {"X-Request-Id": given} if given else {}
    response = await api.get("/healthz", headers=headers)
    returned = response.headers["x-request-id"]
    if kept:
        assert returned == given
    else:
        assert returned != given and len(returned) == 32


@pytest.fixture
def captured_logs() -> Iterator[io.StringIO]:
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(JsonFormatter())
    root = logging.getLogger()
    previous = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    yield stream
    root.removeHandler(handler)
    root.setLevel(previous)


async def test_logs_carry_request_context_and_never_credentials(
    api: httpx.AsyncClient, seeded: Database, captured_logs: io.StringIO
) -> None:
    created = await create_client(seeded, org_slug="demo-partner-PL", scopes=None, name="logs")
    issued = await api.post(
        "/oauth/token",
        data={"grant_type": "client_credentials"},
        auth=(created.client_id, created.client_secret),
        headers={"X-Request-Id": "req-token-0001"},
    )
    token = issued.json()["access_token"]
    posted = await api.post(
        "/oauth/token",
        data={
            "grant_type": "client_credentials",
            "client_id": created.client_id,
            "client_secret": created.client_secret,
        },
    )
    assert posted.status_code == 200
    response = await api.post(
        "/graphql",
        json={"query": LISTING},
        headers={"Authorization": f"Bearer {token}", "X-Request-Id": "req-graphql-0042"},
    )
    assert response.status_code == 200 and "errors" not in response.json()
    refused = await api.post(
        "/graphql", json={"query": LISTING}, headers={"Authorization": f"Bearer {token}x"}
    )
    assert refused.status_code == 401

    output = captured_logs.getvalue()
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    assert lines, "nothing was logged"
    for secret in (token, created.client_secret, f"Bearer {token}", token.split(".")[2]):
        assert secret not in output
    assert "[redacted]" in output  # authlib logged the token it issued; the formatter masked it
    graphql = [line for line in lines if line.get("request_id") == "req-graphql-0042"]
    assert graphql and graphql[-1]["message"] == "request"
    assert (graphql[-1]["operation"], graphql[-1]["org"]) == ("Listing", "demo-partner-PL")
    assert graphql[-1]["status"] == 200 and graphql[-1]["path"] == "/graphql"
    assert any(line.get("request_id") == "req-token-0001" for line in lines)
