"""The GraphQL multipart request specification (the convention of Apollo Upload and
Strawberry's `Upload`), accepted for one operation only: `uploadDocument`.

A multipart body is `operations` (the usual JSON parameters), `map` (which file goes to which
variable) and the files. Browsers send multipart forms across sites without a CORS preflight,
so such a request is only ever accepted with a bearer token, which no cross-site form can carry;
every other operation keeps refusing multipart with 415, as before (the graphql-over-http
audit stays clean). The body is bounded before it is parsed: 413 as soon as it is known to be
over the limit, which is the largest document plus room for the other parts.
"""

from collections.abc import AsyncGenerator
from typing import Any

from graphql import FieldNode, GraphQLError, OperationDefinitionNode, OperationType, parse
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser
from starlette.requests import Request

from api.graphql.transport import (
    GraphQLParams,
    HTTPProblem,
    decode_json,
    params_from_data,
    read_body,
)

MULTIPART = "multipart/form-data"
UPLOAD_OPERATIONS = frozenset({"uploadDocument"})
# Room for `operations`, `map` and the part headers beside the largest file.
ENVELOPE_BYTES = 64 * 1024
MAX_FILES = 1


def is_multipart(content_type: str | None) -> bool:
    return (content_type or "").split(";")[0].strip().lower() == MULTIPART


def _refused(reason: str) -> HTTPProblem:
    return HTTPProblem(415, f"multipart requests are accepted for uploadDocument only: {reason}")


def _only_uploads(params: GraphQLParams) -> None:
    """The operation to run is a mutation whose only root field is an upload."""
    try:
        document = parse(params.query)
    except GraphQLError as error:
        raise _refused("the query does not parse") from error
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        op
        for op in operations
        if params.operation_name is None or (op.name and op.name.value == params.operation_name)
    ]
    if len(chosen) != 1 or chosen[0].operation is not OperationType.MUTATION:
        raise _refused("one mutation")
    fields = chosen[0].selection_set.selections
    if not all(isinstance(f, FieldNode) and f.name.value in UPLOAD_OPERATIONS for f in fields):
        raise _refused("no other field")


def _place(variables: dict[str, Any], path: str, file: UploadFile) -> None:
    """Put `file` where `map` says, e.g. `variables.input.file`; the slot must hold null."""
    head, *steps = path.split(".")
    if head != "variables" or not steps:
        raise HTTPProblem(400, f"map: {path!r} is not a path into variables")
    target: Any = variables
    for step in steps[:-1]:
        key: Any = int(step) if isinstance(target, list) and step.isdigit() else step
        try:
            target = target[key]
        except (KeyError, IndexError, TypeError) as error:
            raise HTTPProblem(400, f"map: {path!r} names no variable") from error
    last: Any = steps[-1]
    if isinstance(target, list) and last.isdigit():
        last = int(last)
    try:
        if target[last] is not None:
            raise HTTPProblem(400, f"map: {path!r} must be null in operations")
        target[last] = file
    except (KeyError, IndexError, TypeError) as error:
        raise HTTPProblem(400, f"map: {path!r} names no variable") from error


async def _once(body: bytes) -> AsyncGenerator[bytes, None]:
    yield body
    yield b""


async def params_from_multipart(request: Request, max_file_bytes: int) -> GraphQLParams:
    if not request.headers.get("authorization", "").lower().startswith("bearer "):
        raise _refused("a bearer token is required")
    body = await read_body(request, max_file_bytes + ENVELOPE_BYTES)
    try:
        form = await MultiPartParser(
            request.headers, _once(body), max_files=MAX_FILES, max_fields=2
        ).parse()
    except MultiPartException as error:
        raise HTTPProblem(400, f"the multipart body is malformed: {error.message}") from error
    operations, mapping = form.get("operations"), form.get("map")
    if not isinstance(operations, str) or not isinstance(mapping, str):
        raise HTTPProblem(400, "a multipart request needs the fields `operations` and `map`")
    data = decode_json(operations, "operations field")
    if not isinstance(data, dict):
        raise HTTPProblem(400, "`operations` must be one JSON object (no batches)")
    params = params_from_data(data)
    _only_uploads(params)
    variables = dict(params.variables or {})
    files = decode_json(mapping, "map field")
    if not isinstance(files, dict):
        raise HTTPProblem(400, "`map` must be a JSON object")
    for name, paths in files.items():
        file = form.get(name)
        if not isinstance(file, UploadFile) or not isinstance(paths, list):
            raise HTTPProblem(400, f"map: no file part named {name!r}")
        for path in paths:
            _place(variables, str(path), file)
    return GraphQLParams(params.query, variables, params.operation_name, params.extensions)
