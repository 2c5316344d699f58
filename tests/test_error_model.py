"""One error model: coded top-level errors, masked internal errors with a request id, expected
errors logged without tracebacks, and a schema that production does not describe."""

import logging
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from catalog.core.db import Database
from catalog.products import listing as product_domain
from tests.tokens import bearer

TokenFor = Callable[..., Awaitable[str]]
GRAPHQL_RESPONSE = "application/graphql-response+json"


@asynccontextmanager
async def client_for(env: str, database_url: str, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(Settings(database_url=database_url, market_env=env), db=db)  # type: ignore[arg-type]
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        yield client


async def test_logging_of_internal_and_expected_errors(
    api: httpx.AsyncClient, token_for: TokenFor, caplog: pytest.LogCaptureFixture
) -> None:
    await internal_errors_are_masked_logged_and_carry_the_request_id(api, token_for, caplog)
    await expected_errors_have_codes_and_no_tracebacks_in_the_log(api, token_for, caplog)


async def internal_errors_are_masked_logged_and_carry_the_request_id(
    api: httpx.AsyncClient, token_for: TokenFor, caplog: pytest.LogCaptureFixture
) -> None:
    async def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("SELECT secret_column FROM product -- connection reset")

    caplog.clear()
    token = await token_for("demo-curator")
    with (
        pytest.MonkeyPatch.context() as patch,
        caplog.at_level(logging.INFO, logger="market.graphql"),
    ):
        patch.setattr(product_domain, "list_products", broken)
        response = await api.post(
            "/graphql", json={"query": "{ products { totalCount } }"}, headers=bearer(token)
        )
    request_id = response.headers["x-request-id"]
    assert response.status_code == 200
    assert response.json()["errors"] == [
        {
            "message": "internal error",
            "locations": [{"line": 1, "column": 3}],
            "path": ["products"],
            "extensions": {"code": "INTERNAL", "requestId": request_id},
        }
    ]
    assert "SELECT" not in response.text and "Traceback" not in response.text
    logged = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(logged) == 1
    assert request_id in logged[0].getMessage()
    assert logged[0].exc_info and "secret_column" in str(logged[0].exc_info[1])


async def expected_errors_have_codes_and_no_tracebacks_in_the_log(
    api: httpx.AsyncClient, token_for: TokenFor, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.clear()
    partner = bearer(await token_for("demo-partner-PL"))
    cases = [
        ("{ products(first: 1) { edges { node { status } } } }", {}, "FORBIDDEN"),
        (
            'mutation { vetPartner(input: {organisationId: "x"}) { errors { code } } }',
            {},
            "FORBIDDEN",
        ),
        ("{ products(first: 0) { totalCount } }", {}, "BAD_USER_INPUT"),
        ("query($n: Int) { products(first: $n) { totalCount } }", {"n": "ten"}, "BAD_USER_INPUT"),
        ("{ products { nope } }", {}, "GRAPHQL_VALIDATION_FAILED"),
        ("{ products { ", {}, "GRAPHQL_PARSE_FAILED"),
    ]
    with caplog.at_level(logging.DEBUG):
        for query, variables, code in cases:
            response = await api.post(
                "/graphql", json={"query": query, "variables": variables}, headers=partner
            )
            codes = {e["extensions"]["code"] for e in response.json()["errors"]}
            assert codes == {code}, query
    assert [r for r in caplog.records if r.levelno >= logging.WARNING] == []
    assert not any(r.exc_info for r in caplog.records)


async def test_status_codes_and_request_ids(api: httpx.AsyncClient, token_for: TokenFor) -> None:
    await request_errors_under_graphql_response_json_are_400_without_data(api, token_for)
    await every_response_carries_a_request_id(api, token_for)


async def request_errors_under_graphql_response_json_are_400_without_data(
    api: httpx.AsyncClient, token_for: TokenFor
) -> None:
    headers = {**bearer(await token_for("demo-curator")), "accept": GRAPHQL_RESPONSE}
    for query in ["{ products { ", "{ products { nope } }"]:
        response = await api.post("/graphql", json={"query": query}, headers=headers)
        assert response.status_code == 400
        assert response.headers["content-type"].startswith(GRAPHQL_RESPONSE)
        assert "data" not in response.json()
    # a field error is not a request error: 200 with data
    partner = {**bearer(await token_for("demo-partner-PL")), "accept": GRAPHQL_RESPONSE}
    query = "{ products(first: 1) { edges { node { id status } } } }"
    response = await api.post("/graphql", json={"query": query}, headers=partner)
    assert response.status_code == 200
    assert "data" in response.json()


async def every_response_carries_a_request_id(api: httpx.AsyncClient, token_for: TokenFor) -> None:
    token = await token_for("demo-curator")
    anonymous = await api.post("/graphql", json={"query": "{ __typename }"})
    assert anonymous.status_code == 401
    assert anonymous.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    ok = await api.post("/graphql", json={"query": "{ __typename }"}, headers=bearer(token))
    ids = {anonymous.headers["x-request-id"], ok.headers["x-request-id"]}
    assert len(ids) == 2 and all(len(i) >= 16 for i in ids)
    traced = await api.get("/healthz", headers={"x-request-id": "proxy-abc-123"})
    assert traced.headers["x-request-id"] == "proxy-abc-123"
    forged = await api.get("/healthz", headers={"x-request-id": "evil\nline"})
    assert forged.headers["x-request-id"] != "evil\nline"


async def test_only_dev_describes_the_schema(
    database_url: str, db: Database, token_for: TokenFor
) -> None:
    token = await token_for("demo-curator")
    for env in ["production", "dev"]:
        await describes_the_schema_only_in_dev(env, database_url, db, token)


async def describes_the_schema_only_in_dev(
    env: str, database_url: str, db: Database, token: str
) -> None:
    async with client_for(env, database_url, db) as client:
        introspection = await client.post(
            "/graphql", json={"query": "{ __schema { types { name } } }"}, headers=bearer(token)
        )
        typo = await client.post(
            "/graphql", json={"query": "{ prodcts { totalCount } }"}, headers=bearer(token)
        )
        ide = await client.get("/graphql", headers={"accept": "text/html"})
    typo_error = typo.json()["errors"][0]
    assert typo_error["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    if env == "dev":
        assert "errors" not in introspection.json()
        assert "Did you mean" in typo_error["message"]
        assert "graphiql" in ide.text.lower()
    else:
        codes = {e["extensions"]["code"] for e in introspection.json()["errors"]}
        assert codes == {"GRAPHQL_VALIDATION_FAILED"}
        assert "introspection has been disabled" in introspection.text
        assert "Did you mean" not in typo_error["message"]
        assert ide.status_code in (401, 406)
