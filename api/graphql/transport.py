"""GraphQL over HTTP (the graphql-over-http specification): content negotiation, request
parameters, body limits and status codes. Pure functions over Starlette requests.

Decisions: one operation per request (a JSON array, i.e. a batch, is refused with 400); a
document with several operations runs only the one named by `operationName` (unnamed → 400);
mutations only over POST (405 over GET); request bodies over the limit get 413 before they are
parsed; only `application/json` bodies in UTF-8 are accepted (else 415). Responses are
`application/graphql-response+json` when the client accepts it (then a request that fails
before execution gets 400 and no `data` key), else `application/json` with 200.
"""

import json
from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

GRAPHQL_RESPONSE = "application/graphql-response+json"
JSON = "application/json"
BAD_REQUEST_CODE = "BAD_USER_INPUT"
LIMIT_CODE = "LIMIT_EXCEEDED"


class HTTPProblem(Exception):
    """The request cannot be executed; answered with `status` and one coded GraphQL error."""

    def __init__(
        self, status: int, message: str, code: str = BAD_REQUEST_CODE, **headers: str
    ) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.code = code
        self.headers = headers


@dataclass(frozen=True)
class GraphQLParams:
    query: str
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None


def negotiate(accept: str | None) -> str:
    """The response media type for an Accept header; no header means application/json."""
    if not accept or not accept.strip():
        return JSON
    best: tuple[float, bool] | None = None
    for part in accept.split(","):
        media, *params = (piece.strip().lower() for piece in part.split(";"))
        quality = 1.0
        for param in params:
            name, _, value = param.partition("=")
            if name.strip() == "q":
                try:
                    quality = float(value)
                except ValueError:
                    quality = 0.0
        if quality <= 0 or media not in (GRAPHQL_RESPONSE, JSON, "application/*", "*/*"):
            continue
        rank = (quality, media == GRAPHQL_RESPONSE)
        best = rank if best is None or rank > best else best
    if best is None:
        raise HTTPProblem(406, f"acceptable response types: {GRAPHQL_RESPONSE}, {JSON}")
    return GRAPHQL_RESPONSE if best[1] else JSON


async def read_body(request: Request, limit: int) -> bytes:
    """The body, refused with 413 as soon as it is known to exceed `limit` bytes."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > limit:
        raise _too_large(limit)
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > limit:
            raise _too_large(limit)
        chunks.append(chunk)
    return b"".join(chunks)


def _too_large(limit: int) -> HTTPProblem:
    return HTTPProblem(413, f"the request body is over the limit of {limit} bytes", LIMIT_CODE)


def _reject_constant(name: str) -> Any:
    raise ValueError(f"{name} is not JSON")


def decode_json(raw: bytes | str, what: str) -> Any:
    try:
        text = raw.decode("utf-8") if isinstance(raw, bytes) else raw
        return json.loads(text, parse_constant=_reject_constant)
    except UnicodeDecodeError as error:
        raise HTTPProblem(400, f"the {what} is not valid UTF-8") from error
    except (ValueError, RecursionError) as error:
        raise HTTPProblem(400, f"the {what} is not valid JSON") from error


def check_content_type(header: str | None) -> None:
    if not header:
        raise HTTPProblem(415, f"a POST body must have Content-Type {JSON}")
    media, *params = (piece.strip().lower() for piece in header.split(";"))
    charsets = [p.partition("=")[2].strip('"') for p in params if p.startswith("charset")]
    charset = charsets[0] if charsets else None
    if media != JSON or charset not in (None, "utf-8"):
        raise HTTPProblem(415, f"a POST body must have Content-Type {JSON} (UTF-8)")


def params_from_post(body: bytes) -> GraphQLParams:
    if not body.strip():
        raise HTTPProblem(400, "the request body is empty")
    data = decode_json(body, "request body")
    if isinstance(data, list):
        raise HTTPProblem(400, "batched requests are not accepted: send one operation per request")
    if not isinstance(data, dict):
        raise HTTPProblem(400, "the request body must be a JSON object")
    return params_from_data(data)


def params_from_get(request: Request) -> GraphQLParams:
    data: dict[str, Any] = dict(request.query_params)
    for name in ("variables", "extensions"):
        if data.get(name):
            data[name] = decode_json(data[name], f"{name} parameter")
        else:
            data.pop(name, None)
    return params_from_data(data)


def params_from_data(data: dict[str, Any]) -> GraphQLParams:
    query, variables = data.get("query"), data.get("variables")
    operation_name, extensions = data.get("operationName"), data.get("extensions")
    if not isinstance(query, str) or not query.strip():
        raise HTTPProblem(400, "the request needs a `query` string")
    if not isinstance(variables, dict | None):
        raise HTTPProblem(400, "`variables` must be an object")
    if not isinstance(operation_name, str | None):
        raise HTTPProblem(400, "`operationName` must be a string")
    if not isinstance(extensions, dict | None):
        raise HTTPProblem(400, "`extensions` must be an object")
    return GraphQLParams(query, variables, operation_name, extensions)


def is_request_error(data: Any, errors: list[Any] | None) -> bool:
    """Failed before execution (parse, validation, variables, limits): no `data` at all."""
    return data is None and bool(errors) and all(e.path is None for e in errors or [])


def encode_json(body: dict[str, Any]) -> bytes:
    """Compact UTF-8 JSON. orjson encodes a page of products some fifteen times faster than
    the standard library; what it refuses (a lone surrogate, which has no UTF-8 form, or an
    integer beyond 64 bits) goes to the standard library, whose \\u escapes can carry it."""
    try:
        return orjson.dumps(body)
    except orjson.JSONEncodeError:
        return json.dumps(body, separators=(",", ":")).encode("ascii")


def json_response(body: dict[str, Any], status: int, media_type: str, **headers: str) -> Response:
    content = encode_json(body)
    return Response(
        content, status_code=status, media_type=f"{media_type}; charset=utf-8", headers=headers
    )


def problem_response(
    problem: HTTPProblem, media_type: str, extensions: dict[str, Any] | None = None
) -> Response:
    body: dict[str, Any] = {
        "errors": [{"message": problem.message, "extensions": {"code": problem.code}}]
    }
    if extensions:
        body["extensions"] = extensions
    return json_response(body, problem.status, media_type, **problem.headers)
