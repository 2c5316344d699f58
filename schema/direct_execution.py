"""Execution of a document the HTTP pipeline prepared, as Strawberry's `Schema.execute` runs
it, without its per-request machinery.

Strawberry builds, for every request, an instance of each extension, a runner, a context
manager per phase (operation, parsing, validation, execution) with each extension's hooks
wrapped in it, and a middleware manager: about 80 µs of a 530 µs `product(id)` and most of a
`{ __typename }`, for steps that are plain calls here. A prepared document has parsed
already (schema/document.py), so what is left runs in Strawberry's order: the operation's
type against the ones the HTTP method allows, the limits and the specification rules
(schema/limits.py `pre_execution_errors`, the same function Strawberry's validation step
runs), graphql-core's execution with the arguments Strawberry passes, and the errors handed
to `process_errors` once. Anything else (a document that did not parse, a caller without a
prepared document, subscriptions) is Strawberry's own flow, with the same extensions; so is
every execution of a schema with an extension or a directive whose work is not done here
(`does_all_of`).
"""

from collections.abc import Iterable
from functools import partial
from inspect import isawaitable
from typing import TYPE_CHECKING, Any

from graphql import DocumentNode, GraphQLError
from graphql.execution.middleware import MiddlewareManager
from strawberry.execution import optimized_is_awaitable
from strawberry.schema._graphql_core import GraphQLIncrementalExecutionResults
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types import ExecutionContext, ExecutionResult
from strawberry.types.execution import PreExecutionError
from strawberry.types.graphql import OperationType

from schema.document import PreparedParsing
from schema.limits import LimitedValidation, pre_execution_errors

if TYPE_CHECKING:
    from schema.error_handling import MarketSchema


# The extensions whose work `execute_prepared` does itself: the parse (a prepared document has
# one) and the validation step (`pre_execution_errors`).
DONE_HERE = (PreparedParsing, LimitedValidation)


def does_all_of(schema: "MarketSchema") -> bool:
    """Whether `execute_prepared` does all that `schema`'s extensions and directives would."""
    kinds = [
        e.func if isinstance(e, partial) else e if isinstance(e, type) else type(e)
        for e in schema.extensions
    ]
    return not schema.directives and all(kind in DONE_HERE for kind in kinds)


async def execute_prepared(
    schema: "MarketSchema",
    document: DocumentNode,
    *,
    query: str,
    variable_values: dict[str, Any] | None,
    context_value: Any,
    root_value: Any,
    operation_name: str | None,
    allowed_operation_types: Iterable[OperationType],
    operation_extensions: dict[str, Any] | None,
) -> ExecutionResult:
    """The result Strawberry's `Schema.execute` gives for `document` (the parse of `query`);
    like it, raises for an operation the caller may not run or cannot name."""
    execution = ExecutionContext(
        query=query,
        schema=schema,
        allowed_operations=allowed_operation_types,
        context=context_value,
        root_value=root_value,
        variables=variable_values,
        provided_operation_name=operation_name,
        operation_extensions=operation_extensions,
    )
    execution.graphql_document = document
    try:
        operation_type = execution.operation_type
    except RuntimeError as error:
        raise CannotGetOperationTypeError(operation_name) from error
    if operation_type not in execution.allowed_operations:
        raise InvalidOperationTypeError(operation_type)
    try:
        errors = pre_execution_errors(execution, schema.limits, schema.added_rules)
        if errors:
            return _refused(schema, execution, errors)
        result = schema._get_execute_function()(
            schema._schema,
            document,
            root_value=root_value,
            middleware=MiddlewareManager(),
            variable_values=variable_values,
            operation_name=operation_name,
            context_value=context_value,
            is_awaitable=optimized_is_awaitable,
            executor_class=schema.execution_context_class,
            operation_extensions=operation_extensions,
        )
        if isawaitable(result):
            result = await result
    except Exception as error:  # as Strawberry: an error before any resolver ran
        if not isinstance(error, GraphQLError):
            error = GraphQLError(str(error), original_error=error)
        return _refused(schema, execution, [error])
    if isinstance(result, GraphQLIncrementalExecutionResults):
        return result  # type: ignore[return-value]  # Strawberry returns it as it is too
    if result.errors:
        schema._process_errors(result.errors, execution)
    return ExecutionResult(data=result.data, errors=result.errors, extensions={})


def _refused(
    schema: "MarketSchema", execution: ExecutionContext, errors: list[GraphQLError]
) -> ExecutionResult:
    execution.pre_execution_errors = errors
    schema._process_errors(errors, execution)
    return PreExecutionError(data=None, errors=errors, extensions={})
