"""What compiled execution (schema/execution.py) keeps while it runs, and how it waits.

The plans of the selection sets it meets (per execution, or across executions where the
operation allows, schema/execution_shared.py), graphql-core's collected fields memoised the same
way, and the settling of results that are awaitable: one awaited alone, several side by side,
abandoned ones left to settle in the background, as graphql-core does.
"""

from collections.abc import Awaitable
from typing import Any, TypeVar

from graphql import GraphQLObjectType
from graphql.execution.collect_fields import CollectedFields, FieldDetails
from graphql.pyutils import Path, gather_with_cancel
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution_plan import Plan, Shape, plan_selection
from schema.execution_shared import SharedExecution, shared_execution

FieldDetailsList = list[FieldDetails]
Completed = TypeVar("Completed", dict[str, Any], list[Any])


_new_tuple = tuple.__new__


def path_to(prev: Path | None, key: str | int, typename: str | None) -> Path:
    """`Path(prev, key, typename)`, the same named tuple built without its Python-level
    `__new__`: a page of fifty products makes some 240 of them."""
    return _new_tuple(Path, (prev, key, typename))


def _probe(_source: Any, _info: Any) -> None:
    """A resolver that middleware would wrap, if there were any."""


class ExecutionBase(StrawberryGraphQLCoreExecutionContext):
    def _without_middleware(self) -> bool:
        """Whether resolvers run as they are (Strawberry always installs a middleware manager;
        it wraps nothing unless an extension resolves fields)."""
        known: bool | None = self.__dict__.get("_unwrapped")
        if known is None:
            manager = self.middleware_manager
            known = manager is None or manager.get_field_resolver(_probe) is _probe
            self.__dict__["_unwrapped"] = known
        return known

    def _plan(self, parent_type: GraphQLObjectType, grouped_field_set: Any) -> Plan:
        # graphql-core hands the same grouped field set for every object of a list; it is
        # kept with its plan so that its id is not reused during this execution. A grouped
        # field set kept across executions (schema/execution_shared.py) has its plan kept too.
        plans: dict[int, tuple[Any, Plan]] = self.__dict__.setdefault("_plans", {})
        found = plans.get(id(grouped_field_set))
        if found is None:
            shared = self._shared()
            kept = None
            if shared is not None and id(grouped_field_set) in shared.kept_sets:
                kept = shared.plans
            plan = kept.get(id(grouped_field_set)) if kept is not None else None
            if plan is None:
                plan = plan_selection(self.schema, parent_type, grouped_field_set)
                if kept is not None:
                    kept[id(grouped_field_set)] = plan
            found = plans[id(grouped_field_set)] = (grouped_field_set, plan)
        return found[1]

    def _shared(self) -> SharedExecution | None:
        """What is kept across executions of this operation; None when nothing may be."""
        known = self.__dict__
        if "_shared_execution" not in known:
            kept = shared_execution(self.schema, self.operation, self.fragments)
            known["_shared_execution"] = kept
        shared: SharedExecution | None = known["_shared_execution"]
        return shared

    def collect_subfields(
        self, return_type: GraphQLObjectType, field_details_list: FieldDetailsList
    ) -> CollectedFields:
        """graphql-core's collection, memoised for this execution by the list's identity and,
        for an operation whose collection cannot vary, kept across executions."""
        key = (return_type, id(field_details_list))
        known = self._relevant_sub_fields.get(key)
        if known is not None:
            return known[1]
        shared = self._shared()
        if shared is None:
            return super().collect_subfields(return_type, field_details_list)
        nodes = (return_type.name, tuple(id(details.node) for details in field_details_list))
        collected = shared.collected.get(nodes)
        if collected is None:
            collected = super().collect_subfields(return_type, field_details_list)
            shared.keep(nodes, collected)
        else:
            self._relevant_sub_fields[key] = (field_details_list, collected)
        return collected

    def _settled(self, results: Completed, awaiting: list[Any]) -> Completed | Awaitable[Completed]:
        """`results` (an object's fields by response key, or a list's items by index), or,
        when entries at `awaiting` are awaitable, the same once they are awaited."""
        return self._gather(results, awaiting) if awaiting else results

    def _abandon(self, results: Completed, awaiting: list[Any]) -> None:
        """Execution failed midway: the awaitables already started settle in the background,
        as graphql-core leaves them."""
        if awaiting:
            self.settle_in_background([results[key] for key in awaiting])

    async def _gather(self, results: Completed, awaiting: list[Any]) -> Completed:
        # As graphql-core does: one awaitable is awaited alone, several side by side.
        if len(awaiting) == 1:
            results[awaiting[0]] = await results[awaiting[0]]
            return results
        values = await gather_with_cancel(*(results[key] for key in awaiting))
        for key, value in zip(awaiting, values, strict=True):
            results[key] = value
        return results

    async def _completed_later(
        self, completed: Awaitable[Any], shape: Shape, details: FieldDetailsList, path: Path
    ) -> Any:
        try:
            return await completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, shape.type, details, path)
            return None
