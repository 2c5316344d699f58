"""GraphQL over HTTP: graphql-http's server audit against a real server, and the transport's
own decisions (content negotiation, status codes, one operation per request)."""

from collections.abc import Awaitable, Callable

from tests.node import run_node_script

TokenFor = Callable[..., Awaitable[str]]


async def test_graphql_http_audit_passes_without_warnings(
    live_url: str, token_for: TokenFor
) -> None:
    token = await token_for("demo-partner-PL")
    results = await run_node_script(
        "audit.mjs", GRAPHQL_URL=f"{live_url}/graphql", GRAPHQL_TOKEN=token
    )
    assert len(results) > 40
    failed = [r for r in results if r["status"] != "ok"]
    assert failed == [], failed
