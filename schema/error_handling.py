"""Every top-level GraphQL error leaves with a code; unexpected ones are masked and logged once.

Codes: GRAPHQL_PARSE_FAILED (syntax), GRAPHQL_VALIDATION_FAILED (the document does not fit the
schema), BAD_USER_INPUT (variables that cannot be coerced, bad arguments), LIMIT_EXCEEDED,
UNAUTHENTICATED, FORBIDDEN, NOT_FOUND, and INTERNAL for anything a resolver did not expect:
its message becomes "internal error" with the request id, and the traceback goes to the log
only. Expected errors are logged without a traceback. Two failures of the database are named
instead of masked as INTERNAL: SERVICE_UNAVAILABLE (it cannot be reached; the transport turns
the whole response into a 503) and TIMEOUT (a statement ran past its timeout and was cancelled).
"""

import logging
from collections.abc import Iterable
from typing import Any

import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from graphql.validation import ASTValidationRule
from strawberry.schema.schema import DEFAULT_ALLOWED_OPERATION_TYPES
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from catalog.core.db import is_statement_timeout, is_unavailable
from schema.direct_execution import does_all_of, execute_prepared
from schema.document import PreparedDocument
from schema.errors import ErrorCode
from schema.input_conversion import install_builders
from schema.limits import Limits

logger = logging.getLogger("market.graphql")

PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
VALIDATION_FAILED = "GRAPHQL_VALIDATION_FAILED"
INTERNAL_MESSAGE = "internal error"
# Fixed messages for failures that are not the caller's and carry SQL we do not show.
MASKED = {
    ErrorCode.INTERNAL: INTERNAL_MESSAGE,
    ErrorCode.SERVICE_UNAVAILABLE: "the database is unavailable; retry shortly",
    ErrorCode.TIMEOUT: "the query took too long and was cancelled",
}


def request_id_of(context: Any) -> str | None:
    return getattr(context, "request_id", None) or None


def is_unexpected(error: GraphQLError) -> bool:
    """An exception that is not one of our coded errors, raised by a resolver (it has a path)
    or by the machinery before execution (it points at no part of the document): a bug or a
    failed dependency. A literal or variable a scalar could not parse also carries a ValueError,
    but points at the document, and is the caller's mistake."""
    original = error.original_error
    if original is None or isinstance(original, GraphQLError):
        return False
    return error.path is not None or not error.nodes


def _code_of(error: GraphQLError, before_execution: bool) -> str:
    code = (error.extensions or {}).get("code")
    if code:
        return str(code)
    if isinstance(error, GraphQLSyntaxError):
        too_long = "tokens. Parsing aborted" in error.message
        return ErrorCode.LIMIT_EXCEEDED if too_long else PARSE_FAILED
    if is_unexpected(error):
        assert error.original_error is not None
        if is_unavailable(error.original_error):
            return ErrorCode.SERVICE_UNAVAILABLE
        if is_statement_timeout(error.original_error):
            return ErrorCode.TIMEOUT
        return ErrorCode.INTERNAL
    return VALIDATION_FAILED if before_execution else ErrorCode.BAD_USER_INPUT


def present(
    error: GraphQLError, before_execution: bool, request_id: str | None, dev: bool
) -> GraphQLError:
    code = _code_of(error, before_execution)
    if code in MASKED:
        extensions: dict[str, Any] = {"code": code, "requestId": request_id}
        return GraphQLError(MASKED[code], error.nodes, path=error.path, extensions=extensions)
    if not dev and " Did you mean" in error.message:
        # Suggestions name fields, arguments and enum values: schema detail for dev only.
        error.message = error.message.split(" Did you mean")[0]
    error.extensions = {**(error.extensions or {}), "code": code}
    if code == ErrorCode.LIMIT_EXCEEDED and isinstance(error, GraphQLSyntaxError):
        error.extensions["limit"] = "tokens"
    return error


class MarketSchema(strawberry.Schema):
    """strawberry.Schema with the service's error model applied to every result; a document
    the HTTP pipeline prepared runs without Strawberry's per-request machinery
    (schema/direct_execution.py), anything else through Strawberry's own `execute`."""

    def __init__(
        self,
        *args: Any,
        dev: bool = False,
        limits: Limits | None = None,
        added_rules: tuple[type[ASTValidationRule], ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        install_builders(self)  # input objects built without Strawberry's per-field dispatch
        self.dev = dev
        # What the validation step checks besides the specification (schema/limits.py).
        self.limits = limits or Limits()
        self.added_rules = added_rules
        self.executes_prepared = does_all_of(self)

    async def execute(
        self,
        query: str | None,
        variable_values: dict[str, Any] | None = None,
        context_value: Any | None = None,
        root_value: Any | None = None,
        operation_name: str | None = None,
        allowed_operation_types: Iterable[OperationType] | None = None,
        operation_extensions: dict[str, Any] | None = None,
    ) -> ExecutionResult:
        prepared = getattr(context_value, "prepared", None)
        if (
            self.executes_prepared
            and isinstance(prepared, PreparedDocument)
            and prepared.document is not None
            and prepared.query == query
        ):
            result = await execute_prepared(
                self,
                prepared.document,
                query=prepared.query,
                variable_values=variable_values,
                context_value=context_value,
                root_value=root_value,
                operation_name=operation_name,
                allowed_operation_types=DEFAULT_ALLOWED_OPERATION_TYPES
                if allowed_operation_types is None
                else allowed_operation_types,
                operation_extensions=operation_extensions,
            )
        else:
            result = await super().execute(
                query,
                variable_values,
                context_value,
                root_value,
                operation_name,
                allowed_operation_types,
                operation_extensions,
            )
        if result.errors:
            before = isinstance(result, PreExecutionError)
            request_id = request_id_of(context_value)
            result.errors = [present(e, before, request_id, self.dev) for e in result.errors]
        return result

    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        request_id = request_id_of(execution_context.context) if execution_context else None
        for error in errors:
            original = error.original_error  # never None once is_unexpected holds
            if is_unexpected(error) and original is not None and is_unavailable(original):
                # An outage, not a bug: one line per request, no traceback.
                logger.warning("database unavailable (request %s): %s", request_id, error.message)
            elif is_unexpected(error):
                original = error.original_error
                assert original is not None
                logger.error(
                    "internal error in %s (request %s)",
                    ".".join(map(str, error.path or [])) or "operation",
                    request_id,
                    exc_info=(type(original), original, original.__traceback__),
                )
            else:
                logger.info("graphql error (request %s): %s", request_id, error.message)
