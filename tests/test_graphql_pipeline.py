"""One pass per GraphQL request: the request's JSON is decoded once, its document parsed once and
measured once (for the rate-limit charge and the static limits alike), and the response body
serialised once, with its `extensions` written in as it is built."""

import json
import uuid
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest
import strawberry.schema.schema as strawberry_schema

from api.graphql import pipeline as pipeline_module
from api.graphql import transport as transport_module
from schema import document as document_module
from schema import limits as limits_module
from tests.tokens import bearer

TokenFor = Callable[..., Awaitable[str]]

PAGE = "query Page($n: Int) { products(first: $n) { edges { node { name } } } }"
PAGE_COST = 1 + 5 * 3
# depth 12 (over the limit of 10), cost 12
TOO_DEEP = '{ product(id: "x") { ' + "manufacturer { products(first: 1) { " * 5 + "id" + " } }" * 6


class Spies:
    """Counts parser and meter calls, and records what passes through `json` and through the
    response encoder (`encode_json`, orjson with the standard library behind it)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.calls: Counter[str] = Counter()
        self.loaded: list[Any] = []
        self.dumped: list[str] = []
        real_parse, real_parse_document = document_module.parse, document_module.parse_document
        real_loads, real_dumps = json.loads, json.dumps
        real_meter = limits_module.DocumentMeter
        real_read_body = pipeline_module.read_body
        real_encode = transport_module.encode_json

        async def read_body(*args: Any, **kwargs: Any) -> bytes:
            self.calls["body read"] += 1
            return await real_read_body(*args, **kwargs)

        def parse(*args: Any, **kwargs: Any) -> Any:
            self.calls["parse"] += 1
            return real_parse(*args, **kwargs)

        def parse_document(*args: Any, **kwargs: Any) -> Any:
            self.calls["parse_document"] += 1
            return real_parse_document(*args, **kwargs)

        def meter(*args: Any, **kwargs: Any) -> Any:
            self.calls["meter"] += 1
            return real_meter(*args, **kwargs)

        def loads(text: Any, *args: Any, **kwargs: Any) -> Any:
            self.loaded.append(text.decode() if isinstance(text, bytes | bytearray) else text)
            return real_loads(text, *args, **kwargs)

        def dumps(value: Any, *args: Any, **kwargs: Any) -> str:
            text = real_dumps(value, *args, **kwargs)
            self.dumped.append(text)
            return text

        def encode_json(body: dict[str, Any]) -> bytes:
            encoded = real_encode(body)
            self.dumped.append(encoded.decode())
            if "data" in body or "errors" in body:
                self.calls["response serialised"] += 1
            return encoded

        monkeypatch.setattr(document_module, "parse", parse)
        monkeypatch.setattr(strawberry_schema, "parse", parse)  # Strawberry's own parse step
        monkeypatch.setattr(document_module, "parse_document", parse_document)
        monkeypatch.setattr(limits_module, "DocumentMeter", meter)
        monkeypatch.setattr(pipeline_module, "read_body", read_body)
        monkeypatch.setattr(json, "loads", loads)
        monkeypatch.setattr(json, "dumps", dumps)
        monkeypatch.setattr(transport_module, "encode_json", encode_json)


def _unique(query: str) -> str:
    """The same document under a text the parse cache has not seen."""
    return f"# {uuid.uuid4().hex}\n{query}"


@pytest.mark.parametrize("method", ["POST", "GET"])
async def test_a_request_is_decoded_parsed_measured_and_serialised_once(
    api: httpx.AsyncClient, token_for: TokenFor, monkeypatch: pytest.MonkeyPatch, method: str
) -> None:
    token = await token_for("demo-partner-PL")
    query, variables = _unique(PAGE), json.dumps({"n": 5})
    if method == "POST":
        body = json.dumps({"query": query, "variables": {"n": 5}})
        headers = {**bearer(token), "content-type": "application/json"}
        request = api.build_request("POST", "/graphql", content=body.encode(), headers=headers)
        decoded = body
    else:
        url = "/graphql?" + urlencode({"query": query, "variables": variables})
        request = api.build_request("GET", url, headers=bearer(token))
        decoded = variables
    spies = Spies(monkeypatch)

    response = await api.send(request)
    monkeypatch.undo()

    assert response.status_code == 200, response.text
    expected = {"parse": 1, "parse_document": 1, "meter": 1, "response serialised": 1}
    assert spies.calls == Counter({**expected, "body read": 1 if method == "POST" else 0})
    assert spies.loaded.count(decoded) == 1
    assert response.text not in spies.loaded
    assert spies.dumped.count(response.text) == 1
    answer = response.json()
    assert len(answer["data"]["products"]["edges"]) == 5
    assert answer["extensions"]["cost"]["requested"] == PAGE_COST


async def test_a_document_over_the_limits_is_refused_on_its_one_measurement(
    api: httpx.AsyncClient, token_for: TokenFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await token_for("demo-curator")
    request = api.build_request(
        "POST", "/graphql", json={"query": _unique(TOO_DEEP)}, headers=bearer(token)
    )
    spies = Spies(monkeypatch)

    response = await api.send(request)
    monkeypatch.undo()

    assert spies.calls == {
        "body read": 1,
        "parse": 1,
        "parse_document": 1,
        "meter": 1,
        "response serialised": 1,
    }
    assert spies.dumped.count(response.text) == 1
    answer = response.json()
    assert "data" not in answer
    assert [e["extensions"]["limit"] for e in answer["errors"]] == ["depth"]
    assert answer["extensions"]["cost"]["requested"] == 12


async def test_a_document_that_does_not_parse_is_parsed_once_and_charged_one_point(
    api: httpx.AsyncClient, token_for: TokenFor, monkeypatch: pytest.MonkeyPatch
) -> None:
    token = await token_for("demo-partner-PL")
    request = api.build_request(
        "POST", "/graphql", json={"query": _unique("{ products { ")}, headers=bearer(token)
    )
    spies = Spies(monkeypatch)

    response = await api.send(request)
    monkeypatch.undo()

    assert spies.calls == {
        "body read": 1,
        "parse": 1,
        "parse_document": 1,
        "response serialised": 1,
    }
    answer = response.json()
    assert [e["extensions"]["code"] for e in answer["errors"]] == ["GRAPHQL_PARSE_FAILED"]
    assert answer["extensions"]["cost"]["requested"] == 1
