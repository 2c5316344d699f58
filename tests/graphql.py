"""A tiny GraphQL-over-HTTP helper for tests."""

from typing import Any

import httpx


async def gql(
    api: httpx.AsyncClient,
    token: str,
    query: str,
    variables: dict[str, Any] | None = None,
    *,
    expect_errors: bool = False,
) -> dict[str, Any]:
    response = await api.post(
        "/graphql",
        json={"query": query, "variables": variables or {}},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 200, response.text
    body = response.json()
    if not expect_errors:
        assert "errors" not in body, body["errors"]
    return body


def error_codes(body: dict[str, Any]) -> list[str]:
    return [e.get("extensions", {}).get("code") for e in body.get("errors", [])]
