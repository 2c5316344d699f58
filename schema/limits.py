"""Static limits on a GraphQL document: depth, aliases, cost and mutations per operation.

Measured from the parsed document and the request's variables before the specification's
validation rules run, so an oversized document costs one linear walk and never reaches a
resolver. Fragments are measured once each and reused wherever they are spread, which keeps a
"fragment bomb" (fragments spreading each other many times) linear instead of exponential.
The same measurement gives the cost a request is charged against its client's budget
(api/graphql/admission.py), so a document is measured once per request.
"""

import functools
import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, cast

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    GraphQLNamedType,
    GraphQLSchema,
    InlineFragmentNode,
    IntValueNode,
    OperationDefinitionNode,
    OperationType,
    SelectionSetNode,
    VariableNode,
    get_named_type,
)
from graphql.type import (
    GraphQLEnumType,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLObjectType,
    GraphQLUnionType,
    SchemaMetaFieldDef,
    TypeMetaFieldDef,
)
from graphql.validation import ASTValidationRule
from strawberry.extensions import SchemaExtension
from strawberry.schema.schema import validate_document
from strawberry.types import ExecutionContext

from schema.errors import ErrorCode
from schema.input_text import unstorable_characters
from schema.kept_by_identity import KeptByIdentity

if TYPE_CHECKING:
    from schema.document import PreparedDocument

DEFAULT_PAGE_SIZE = 20  # what `first` means when a connection is asked without it


class LimitSettings(Protocol):
    """The part of the service settings the schema reads (see api/settings.py)."""

    graphql_max_depth: int
    graphql_max_aliases: int
    graphql_max_tokens: int
    graphql_max_cost: int
    graphql_max_mutations: int
    page_size_max: int


@dataclass(frozen=True)
class Limits:
    max_depth: int = 10
    max_aliases: int = 30
    max_cost: int = 20_000
    max_mutations: int = 5
    page_size_max: int = 100

    @classmethod
    def from_settings(cls, settings: LimitSettings) -> "Limits":
        return cls(
            max_depth=settings.graphql_max_depth,
            max_aliases=settings.graphql_max_aliases,
            max_cost=settings.graphql_max_cost,
            max_mutations=settings.graphql_max_mutations,
            page_size_max=settings.page_size_max,
        )


@dataclass(frozen=True)
class Measure:
    depth: int = 0
    aliases: int = 0
    cost: int = 0
    fields: int = 0  # fields at the top of the selection set, fragments included


@dataclass
class DocumentMeter:
    """Measures selection sets against the schema; `first` multiplies a connection's subtree."""

    schema: GraphQLSchema
    fragments: Mapping[str, FragmentDefinitionNode]
    variables: Mapping[str, Any]
    page_size_max: int
    _memo: dict[str, Measure] = field(default_factory=dict)
    _open: set[str] = field(default_factory=set)
    _unwrapped: int = 0  # `ofType` levels entered (introspection)
    # The variables whose values the measure read (page sizes); the document decides which.
    read_variables: set[str] = field(default_factory=set)

    def selection_set(self, node: SelectionSetNode | None, parent: Any) -> Measure:
        if node is None:
            return Measure()
        depth = aliases = cost = fields = 0
        for selection in node.selections:
            if isinstance(selection, FieldNode):
                part = self.field(selection, parent)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                inner = self.schema.get_type(condition.name.value) if condition else parent
                part = self.selection_set(selection.selection_set, inner)
            else:  # the one other kind of selection
                part = self.fragment(cast(FragmentSpreadNode, selection))
            depth = max(depth, part.depth)
            aliases += part.aliases
            cost += part.cost
            fields += 1 if isinstance(selection, FieldNode) else part.fields
        return Measure(depth, aliases, cost, fields)

    def field(self, node: FieldNode, parent: Any) -> Measure:
        alias = 1 if node.alias else 0
        name = node.name.value
        if name == "__typename":
            return Measure(1, alias, 0)
        definition = META_FIELDS.get(name) if parent is self.schema.query_type else None
        if definition is None and isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            definition = parent.fields.get(name)
        child_type = get_named_type(definition.type) if definition else None
        if parent is not None and parent.name.startswith("__"):
            return self._introspection(node, parent.name, child_type, alias)
        inner = self.selection_set(node.selection_set, child_type)
        multiplier = self._page_size(node, definition) if definition else 1
        return Measure(1 + inner.depth, alias + inner.aliases, 1 + multiplier * inner.cost)

    def _introspection(self, node: FieldNode, parent: str, child: Any, alias: int) -> Measure:
        """Inside introspection a list is as long as this schema makes it on average, and a
        chain of `ofType` ends after the schema's deepest type wrapping (null beyond): such a
        chain adds no depth, and its levels beyond that cost nothing."""
        sizes = introspection_sizes(self.schema)
        if node.name.value != "ofType":
            inner = self.selection_set(node.selection_set, child)
            cost = math.ceil(sizes.get((parent, node.name.value), 1) * inner.cost)
            return Measure(1 + inner.depth, alias + inner.aliases, 1 + cost)
        if self._unwrapped >= sizes[WRAPPING]:
            return Measure(0, alias, 0)
        self._unwrapped += 1
        inner = self.selection_set(node.selection_set, child)
        self._unwrapped -= 1
        return Measure(inner.depth, alias + inner.aliases, 1 + inner.cost)

    def fragment(self, spread: FragmentSpreadNode) -> Measure:
        name = spread.name.value
        if name in self._memo:
            return self._memo[name]
        definition = self.fragments.get(name)
        if definition is None or name in self._open:
            return Measure()  # unknown or cyclic: the validation rules report it
        self._open.add(name)
        parent: GraphQLNamedType | None = self.schema.get_type(definition.type_condition.name.value)
        measure = self.selection_set(definition.selection_set, parent)
        self._open.discard(name)
        self._memo[name] = measure
        return measure

    def _page_size(self, node: FieldNode, definition: Any) -> int:
        if "first" not in definition.args:
            return 1
        value: Any = definition.args["first"].default_value
        for argument in node.arguments or ():
            if argument.name.value != "first":
                continue
            if isinstance(argument.value, IntValueNode):
                value = int(argument.value.value)
            elif isinstance(argument.value, VariableNode):
                self.read_variables.add(argument.value.name.value)
                value = self.variables.get(argument.value.name.value, value)
        if not isinstance(value, int) or isinstance(value, bool) or value <= 0:
            return DEFAULT_PAGE_SIZE
        return min(value, self.page_size_max)  # a larger `first` is refused by the resolver


META_FIELDS = {"__schema": SchemaMetaFieldDef, "__type": TypeMetaFieldDef}
WRAPPING = ("__Type", "ofType")  # the key of the deepest wrapping in introspection_sizes


def _wrapping(type_: Any) -> int:
    depth = 0
    while hasattr(type_, "of_type"):
        type_, depth = type_.of_type, depth + 1
    return depth


@functools.lru_cache(maxsize=8)
def introspection_sizes(schema: GraphQLSchema) -> dict[tuple[str, str], float]:
    """How many items each list of the introspection types holds in this schema, on average
    over the objects that hold it: `types` times `fields` is then every field of the schema,
    which is what an introspection query that lists them returns. (And the deepest wrapping of
    a type reference, under WRAPPING.)"""
    types = list(schema.type_map.values())
    fields = [
        f
        for t in types
        if isinstance(t, GraphQLObjectType | GraphQLInterfaceType)
        for f in t.fields.values()
    ]

    def per(total: int, holders: int) -> float:
        return total / max(1, holders)

    abstract = [t for t in types if isinstance(t, GraphQLInterfaceType | GraphQLUnionType)]
    possible = sum(len(schema.get_possible_types(t)) for t in abstract)
    directive_args = sum(len(d.args) for d in schema.directives)
    locations = sum(len(d.locations) for d in schema.directives)
    inputs = [f for t in types if isinstance(t, GraphQLInputObjectType) for f in t.fields.values()]
    typed = [*fields, *inputs, *(a for f in fields for a in f.args.values())]
    return {
        WRAPPING: max(_wrapping(f.type) for f in typed),
        ("__Schema", "types"): len(types),
        ("__Schema", "directives"): len(schema.directives),
        ("__Type", "fields"): per(len(fields), len(types)),
        ("__Type", "inputFields"): per(len(inputs), len(types)),
        ("__Type", "enumValues"): per(
            sum(len(t.values) for t in types if isinstance(t, GraphQLEnumType)), len(types)
        ),
        ("__Type", "interfaces"): per(
            sum(len(t.interfaces) for t in types if isinstance(t, GraphQLObjectType)), len(types)
        ),
        ("__Type", "possibleTypes"): per(possible, len(types)),
        ("__Field", "args"): per(sum(len(f.args) for f in fields), len(fields)),
        ("__Directive", "args"): per(directive_args, len(schema.directives)),
        ("__Directive", "locations"): per(locations, len(schema.directives)),
    }


def limit_error(what: str, actual: int, allowed: int, setting: str) -> GraphQLError:
    return GraphQLError(
        f"{what} is {actual}, over the limit of {allowed}",
        extensions={
            "code": ErrorCode.LIMIT_EXCEEDED,
            "limit": setting,
            "allowed": allowed,
            "actual": actual,
        },
    )


@dataclass(frozen=True, slots=True)
class DocumentMeasure:
    """What a document measures, operation by operation, for the request's variables;
    `variables`: the names of those its values depend on (the same for every request of the
    document: the document says where a variable gives a page size)."""

    operations: tuple[tuple[OperationType, Measure], ...]
    variables: frozenset[str] = frozenset()

    @property
    def cost(self) -> int:
        """What the request is charged: its dearest operation, and at least one point."""
        return max([1, *(measure.cost for _, measure in self.operations)])

    def limit_errors(self, limits: Limits) -> list[GraphQLError]:
        """The limits the document exceeds, one error per limit and operation."""
        errors: list[GraphQLError] = []
        for kind, measure in self.operations:
            if measure.depth > limits.max_depth:
                errors.append(limit_error("query depth", measure.depth, limits.max_depth, "depth"))
            if measure.aliases > limits.max_aliases:
                allowed = limits.max_aliases
                errors.append(limit_error("alias count", measure.aliases, allowed, "aliases"))
            if measure.cost > limits.max_cost:
                errors.append(limit_error("query cost", measure.cost, limits.max_cost, "cost"))
            if kind is OperationType.MUTATION:
                count, allowed = measure.fields, limits.max_mutations
                if count > allowed:
                    errors.append(limit_error("mutation count", count, allowed, "mutations"))
        return errors


def measure_document(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    page_size_max: int,
) -> DocumentMeasure:
    """Every operation of the document measured in one walk (fragments measured once)."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    meter = DocumentMeter(schema, fragments, variables or {}, page_size_max)
    operations: list[tuple[OperationType, Measure]] = []
    for definition in document.definitions:
        if isinstance(definition, OperationDefinitionNode):
            root = schema.get_root_type(definition.operation)
            measure = meter.selection_set(definition.selection_set, root)
            operations.append((definition.operation, measure))
    return DocumentMeasure(tuple(operations), frozenset(meter.read_variables))


def check_document(
    schema: GraphQLSchema,
    document: DocumentNode,
    variables: Mapping[str, Any] | None,
    limits: Limits,
) -> list[GraphQLError]:
    """The limits the document exceeds, one error per limit and operation."""
    measure = measure_document(schema, document, variables, limits.page_size_max)
    return measure.limit_errors(limits)


def unnamed_choice(document: Any, context: Any) -> list[GraphQLError]:
    """One operation per request: with several in the document, `operationName` picks it.
    (Strawberry would otherwise run the first; the name the client gave is kept privately.)"""
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    if len(operations) > 1 and getattr(context, "_provided_operation_name", None) is None:
        message = "the document has several operations: choose one with operationName"
        return [GraphQLError(message, extensions={"code": ErrorCode.BAD_USER_INPUT})]
    return []


# Validation depends on the schema, the document and the rules only: kept per parsed document
# (schema/kept_by_identity.py), where Strawberry's LRU cache hashed the whole tree per request.
_VALIDATED: KeptByIdentity[list[GraphQLError]] = KeptByIdentity(512)


def validation_errors(
    schema: GraphQLSchema, document: DocumentNode, rules: tuple[Any, ...]
) -> list[GraphQLError]:
    """The specification rules' errors for `document`, as Strawberry validates it."""
    return _VALIDATED.get(
        (schema, document), rules, lambda: validate_document(schema, document, rules)
    )


def pre_execution_errors(
    execution: ExecutionContext, limits: Limits, added_rules: tuple[type[ASTValidationRule], ...]
) -> list[GraphQLError]:
    """What refuses a parsed document before execution: the limits and input text first, then
    the specification rules with `added_rules` (validated once per document). The limits
    come from the measurement the HTTP pipeline already made for this document
    (`Context.prepared`, schema/document.py); only a caller without one is measured here."""
    document, variables = execution.graphql_document, execution.variables
    assert document is not None
    measure = _prepared_measure(execution.context, document)
    if measure is None:
        schema = execution.schema._schema
        measure = measure_document(schema, document, variables, limits.page_size_max)
    errors = measure.limit_errors(limits)
    errors = (
        errors or unnamed_choice(document, execution) or unstorable_characters(document, variables)
    )
    if not errors:
        rules = (*execution.validation_rules, *added_rules)
        errors = validation_errors(execution.schema._schema, document, rules)
    return errors


class LimitedValidation(SchemaExtension):
    """The validation step of Strawberry's execution (subscriptions, and callers without a
    prepared document): `pre_execution_errors`. The HTTP pipeline's executions run the same
    function (schema/direct_execution.py)."""

    def __init__(self, limits: Limits, added_rules: tuple[type[ASTValidationRule], ...]) -> None:
        super().__init__()
        self.limits = limits
        self.added_rules = added_rules

    def on_validate(self) -> Iterator[None]:
        context = self.execution_context
        context.pre_execution_errors = pre_execution_errors(context, self.limits, self.added_rules)
        yield


def _prepared_measure(context: Any, document: DocumentNode) -> DocumentMeasure | None:
    """The measurement made before execution, when it was made of this very document."""
    prepared: PreparedDocument | None = getattr(context, "prepared", None)
    if prepared is None or prepared.document is not document:
        return None
    return prepared.measure
