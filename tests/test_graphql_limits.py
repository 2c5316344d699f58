"""Request limits: each refusal is a LIMIT_EXCEEDED error naming the limit, and no resolver runs
(the documents carry a mutation, and nothing is written; queries are watched with a spy)."""

from collections.abc import Awaitable, Callable
from typing import Any

import httpx
import pytest

from api.settings import Settings
from catalog.core.db import Database
from catalog.products import listing as product_domain
from tests.rowcount import written_rows
from tests.tokens import bearer

TokenFor = Callable[..., Awaitable[str]]

CREATE_FIELD = (
    'createProduct(input: {name: "Limit probe", category: SOFTWARE, summary: "probe",'
    ' controlEntry: "ML21", techTransfer: NONE, unitsAvailable: 1})'
)
# 1 + 100 * (3 + 1 + (1 + 100 * 3)) = 30,501 > 20,000
PRODUCTS_OF = (
    "manufacturer { products(first: 100) { id name summary"
    " manufacturer { products(first: 100) { id name summary } } } }"
)


def deep_selection(levels: int) -> str:
    inner = "id"
    for _ in range(levels):
        inner = f"manufacturer {{ products(first: 1) {{ {inner} }} }}"
    return inner


def fragment_bomb(levels: int) -> str:
    """Each fragment spreads the next twice: 2**levels fields once expanded."""
    fragments = [
        f"fragment F{i} on ProductPayload {{ ...F{i + 1} ...F{i + 1} }}" for i in range(levels)
    ]
    fragments.append(f"fragment F{levels} on ProductPayload {{ a: __typename }}")
    return f"mutation {{ {CREATE_FIELD} {{ ...F0 }} }}\n" + "\n".join(fragments)


OVER_LIMIT = {
    "depth": f"mutation {{ {CREATE_FIELD} {{ product {{ {deep_selection(4)} }} }} }}",
    "aliases": "mutation { "
    + CREATE_FIELD
    + " { "
    + " ".join(f"a{i}: __typename" for i in range(31))
    + " } }",
    "cost": f"mutation {{ {CREATE_FIELD} {{ product {{ {PRODUCTS_OF} }} }} }}",
    "mutations": "mutation { "
    + " ".join(f"m{i}: {CREATE_FIELD} {{ errors {{ code }} }}" for i in range(6))
    + " }",
    "tokens": f"mutation {{ {CREATE_FIELD} {{ {' '.join(['__typename'] * 5000)} }} }}",
    "fragment bomb": fragment_bomb(40),
}


async def post(api: httpx.AsyncClient, token: str, body: Any) -> httpx.Response:
    return await api.post("/graphql", json=body, headers=bearer(token))


def test_default_limits_are_those_of_a_public_api() -> None:
    settings = Settings()
    assert settings.graphql_max_depth == 10
    assert settings.graphql_max_aliases == 30
    assert settings.graphql_max_tokens == 5000
    assert settings.graphql_max_mutations == 5
    assert settings.graphql_max_body_bytes == 256 * 1024
    assert settings.page_size_max == 100


async def over_a_limit_nothing_runs(
    api: httpx.AsyncClient, token_for: TokenFor, seeded: Database
) -> None:
    token = await token_for("demo-manufacturer-1")
    before = await written_rows(seeded)
    for limit, document in OVER_LIMIT.items():
        response = await post(api, token, {"query": document})
        assert response.status_code == 200, response.text
        body = response.json()
        assert "data" not in body, limit
        assert {e["extensions"]["code"] for e in body["errors"]} == {"LIMIT_EXCEEDED"}, body
        named = {e["extensions"]["limit"] for e in body["errors"]}
        assert (limit if limit != "fragment bomb" else "aliases") in named, body
        assert all("limit" in e["message"] or "tokens" in e["message"] for e in body["errors"])
    assert await written_rows(seeded) == before


async def within_the_limits_the_same_mutations_run(
    api: httpx.AsyncClient, token_for: TokenFor, seeded: Database
) -> None:
    """The control for the check above: five probe mutations in one document all write."""
    token = await token_for("demo-manufacturer-1")
    before = await written_rows(seeded)
    fields = [
        f"m{i}: " + CREATE_FIELD.replace("Limit probe", f"Limit probe {i}") + " { errors { code } }"
        for i in range(5)
    ]
    body = (await post(api, token, {"query": "mutation { " + " ".join(fields) + " }"})).json()
    assert "errors" not in body, body
    assert all(payload["errors"] == [] for payload in body["data"].values())
    assert (await written_rows(seeded))["Product"] == before["Product"] + 5


async def cost_counts_first_from_variables_and_no_resolver_runs(
    api: httpx.AsyncClient, token_for: TokenFor, seeded: Database
) -> None:
    calls: list[int] = []
    real = product_domain.list_products

    async def spy(*args: Any, **kwargs: Any) -> Any:
        calls.append(1)
        return await real(*args, **kwargs)

    token = await token_for("demo-curator")
    query = """query($n: Int) { products(first: $n) { edges { node {
        manufacturer { products(first: $n) { manufacturer { products(first: $n) { id } } } }
    } } } }"""
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(product_domain, "list_products", spy)
        refused = (await post(api, token, {"query": query, "variables": {"n": 100}})).json()
        assert [e["extensions"]["code"] for e in refused["errors"]] == ["LIMIT_EXCEEDED"]
        assert refused["errors"][0]["extensions"]["limit"] == "cost"
        assert calls == []
        allowed = (await post(api, token, {"query": query, "variables": {"n": 2}})).json()
        assert "errors" not in allowed, allowed
        assert calls == [1]


async def request_body_over_the_limit_is_refused_before_parsing(
    api: httpx.AsyncClient, token_for: TokenFor, seeded: Database
) -> None:
    token = await token_for("demo-manufacturer-1")
    before = await written_rows(seeded)
    padding = " " * (256 * 1024)
    response = await post(
        api, token, {"query": f"mutation {{ {CREATE_FIELD} {{ errors {{ code }} }} }}{padding}"}
    )
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "LIMIT_EXCEEDED"
    assert await written_rows(seeded) == before


async def page_size_over_100_is_bad_input(
    api: httpx.AsyncClient, token_for: TokenFor, seeded: Database
) -> None:
    token = await token_for("demo-curator")
    body = (await post(api, token, {"query": "{ products(first: 101) { totalCount } }"})).json()
    assert [e["extensions"]["code"] for e in body["errors"]] == ["BAD_USER_INPUT"]
    assert "between 1 and 100" in body["errors"][0]["message"]


CHECKS = [
    over_a_limit_nothing_runs,
    request_body_over_the_limit_is_refused_before_parsing,
    cost_counts_first_from_variables_and_no_resolver_runs,
    page_size_over_100_is_bad_input,
    within_the_limits_the_same_mutations_run,  # last: it writes
]


async def test_request_limits(
    api: httpx.AsyncClient, token_for: TokenFor, seeded: Database
) -> None:
    """The checks above, in order, on one seeded database per backend (the suite stays fast)."""
    for check in CHECKS:
        await check(api, token_for, seeded)
