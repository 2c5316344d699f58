"""What compiled execution keeps from one execution of a document to the next.

graphql-core collects a selection set's fields once per execution, and the compiled plans of
schema/execution.py are made once per execution for what it collects. A document is parsed once
per text and the same tree serves every request (schema/document.py). Where nothing in an
operation depends on the request's variables, collecting its selection sets gives the same
fields every time, so the collected fields and their plans are kept with the operation node:

- "depends on the variables" means a directive anywhere in the operation or its fragments
  (`@skip(if: $x)`, `@include`, `@defer`, `@stream`) or a fragment with variables of its own;
  such an operation is collected and planned afresh on every execution, as graphql-core does;
- a selection set is known by the type it is collected for and the identities of its field
  nodes, which belong to the kept tree; the entry keeps the schema, the operation and its
  fragments alive, so no identity is reused while it is kept (schema/kept_by_identity.py).

Served, a `product(id)` request cost 5% less CPU once they were kept (bench.ab).
"""

from dataclasses import dataclass, field
from typing import Any

from graphql import GraphQLSchema, OperationDefinitionNode, Visitor, visit
from graphql.execution.collect_fields import CollectedFields, FragmentDetails

from schema.execution_plan import Plan
from schema.kept_by_identity import KeptByIdentity


@dataclass(slots=True)
class SharedExecution:
    """One operation's collected fields and plans, for every execution of it."""

    schema: GraphQLSchema
    operation: OperationDefinitionNode
    fragments: dict[str, FragmentDetails]
    # (type name, ids of the field nodes) → the fields collected for that selection set
    collected: dict[tuple[str, tuple[int, ...]], CollectedFields] = field(default_factory=dict)
    # id of a grouped field set kept in `collected` → its plan
    plans: dict[int, Plan] = field(default_factory=dict)
    kept_sets: set[int] = field(default_factory=set)  # ids of those grouped field sets

    def keep(self, key: tuple[str, tuple[int, ...]], collected: CollectedFields) -> None:
        self.collected[key] = collected
        self.kept_sets.add(id(collected.grouped_field_set))


_KEPT: KeptByIdentity[SharedExecution | None] = KeptByIdentity(512)  # like the parsed documents


def shared_execution(
    schema: GraphQLSchema,
    operation: OperationDefinitionNode,
    fragments: dict[str, FragmentDetails],
) -> SharedExecution | None:
    """The kept collections of `operation`; None when they depend on the variables."""

    def make() -> SharedExecution | None:
        if _varies(operation, fragments):
            return None
        return SharedExecution(schema, operation, fragments)

    return _KEPT.get((schema, operation), None, make)


class _VariesFinder(Visitor):
    def __init__(self) -> None:
        super().__init__()
        self.varies = False

    def enter_directive(self, *_: Any) -> Any:
        self.varies = True
        return self.BREAK

    def enter_fragment_spread(self, node: Any, *_: Any) -> Any:
        if getattr(node, "arguments", None):  # fragment arguments (experimental)
            self.varies = True
            return self.BREAK
        return None


def _varies(operation: OperationDefinitionNode, fragments: dict[str, FragmentDetails]) -> bool:
    if any(details.variable_signatures for details in fragments.values()):
        return True  # fragment variables (legacy)
    finder = _VariesFinder()
    for node in (operation, *(details.definition for details in fragments.values())):
        visit(node, finder)
        if finder.varies:
            return True
    return False
