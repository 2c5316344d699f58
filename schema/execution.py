"""Compiled execution of validated documents, equal to graphql-core's answers.

graphql-core executes every field through the same general chain: look the field up, build a
resolve-info object, call the resolver, then walk the completion chain (non-null wrapper,
list, leaf check, abstract type, object, sub-selection collection). A page of fifty products
is about 1,250 such fields, and that chain was most of the page's CPU time. Here each field of
each selection set is compiled once into a step (`schema/execution_plan.py`): how its value is
read (the attribute itself for Strawberry's plain fields, else the resolver) and how its type
completes (serialise a leaf, run an object's own compiled selection, resolve a union member,
walk a list).
The steps run in a tight loop that builds the answer directly. For an operation whose
collection cannot depend on the variables, the collected fields and their plans are kept from
one execution to the next (schema/execution_shared.py). An object or union field links each
class of its values, once the class is known to decide the object type (no cast, no type check
of its own, never awaitable), to that type's collected fields and plan: the next values of the
class go straight to their plan, without the type check, the collection and the plan lookup,
and a resolver that does not ask for the resolve info is not given one built for it.

Exactly graphql-core's answer, errors included: a step only takes values it is certain of
(a non-null scalar its serialiser accepts, an object whose type check passes, a union member the
union's own `resolve_type` names). Anything else, a null, a refused value, an awaitable, an
exception, is handed to graphql-core's own completion for that very value (never resolved twice),
and errors are located and propagated by graphql-core's `handle_field_error`, as it does itself.
Fields with arguments or directives, deferred or streamed selections and middleware take
graphql-core's path whole. `tests/test_execution_plan.py` proves the equality on queries
generated from the schema.
"""

from functools import partial
from typing import Any

from graphql import GraphQLObjectType, Undefined
from graphql.pyutils import Path
from strawberry.types.cast import get_strawberry_type_cast

from schema.execution_base import ExecutionBase, FieldDetailsList, path_to
from schema.execution_plan import (
    ABSTRACT,
    LEAF,
    LIST,
    OBJECT,
    FieldStep,
    Linked,
    Plan,
    Shape,
    Steps,
    certain_leaves,
    class_decides_member,
    linkable_class,
)


class CompiledExecutionContext(ExecutionBase):
    def execute_fields(
        self,
        parent_type: GraphQLObjectType,
        source_value: Any,
        path: Path | None,
        grouped_field_set: Any,
        position_context: Any,
    ) -> Any:
        if position_context is not None or not self._without_middleware():
            return super().execute_fields(
                parent_type, source_value, path, grouped_field_set, position_context
            )
        plan = self._plan(parent_type, grouped_field_set)
        return self._fill(plan, parent_type, source_value, path)

    def _fill(
        self, plan: Plan, parent_type: GraphQLObjectType, source_value: Any, path: Path | None
    ) -> Any:
        """The object's answer by its plan (`execute_fields`, once the plan is known)."""
        results = plan.leaves(source_value) if plan.leaves is not None else None
        steps: Steps | list[tuple[str, FieldDetailsList, FieldStep]]
        if results is None:
            results, steps = {}, plan.steps  # field by field
        else:
            steps = plan.others  # the plain leaves are in `results` already
        awaiting: list[str] = []
        is_awaitable = self.is_awaitable
        try:
            for key, details, step in steps:
                if step is None:
                    field_path = path_to(path, key, parent_type.name)
                    result = self.execute_field(
                        parent_type, source_value, details, field_path, None
                    )
                elif step.plain_leaf:
                    result = self._plain_leaf(step, parent_type, source_value, details, path, key)
                else:
                    field_path = path_to(path, key, parent_type.name)
                    result = self._run_step(
                        step, plan, key, parent_type, source_value, details, field_path
                    )
                if result is Undefined:
                    continue
                results[key] = result
                if type(result) is not dict and is_awaitable(result):  # an object's answer is not
                    awaiting.append(key)
        except Exception:
            self._abandon(results, awaiting)
            raise
        return self._gather(results, awaiting) if awaiting else results

    def _plain_leaf(
        self,
        step: FieldStep,
        parent_type: GraphQLObjectType,
        source: Any,
        details: FieldDetailsList,
        path: Path | None,
        key: str,
    ) -> Any:
        """An attribute that is a scalar or an enum: read and serialised, or, when that gives
        nothing certain, graphql-core's whole field (reading an attribute twice changes
        nothing)."""
        try:
            serialized = certain_leaves(step.shape, step.read(source))  # type: ignore[misc]
            if serialized is not Undefined:
                return serialized
        except Exception:  # noqa: S110 - graphql-core's path below reports it
            pass
        field_path = path_to(path, key, parent_type.name)
        return self.execute_field(parent_type, source, details, field_path, None)

    def _run_step(
        self,
        step: FieldStep,
        plan: Plan,
        key: str,
        parent_type: GraphQLObjectType,
        source: Any,
        details: FieldDetailsList,
        path: Path,
    ) -> Any:
        """graphql-core's `execute_field` for a field without arguments, with the value
        completed by the compiled shape, or, for a value of a class linked to this field, by
        the plan of that class's object type directly."""
        shape = step.shape
        info = None
        try:
            if step.read is not None:
                value = step.read(source)
            elif step.info_later:
                value = step.resolve(source, partial(self._info, step, details, parent_type, path))
            elif step.takes_info:
                info = self._info(step, details, parent_type, path)
                value = step.resolve(source, info)
            else:
                value = step.resolve(source, None)
            linked = plan.links.get(key)
            target = linked.get(type(value)) if linked is not None else None
            if target is None or get_strawberry_type_cast(value) is not None:
                if shape.leafy and not self.is_awaitable(value):  # no info needed when certain
                    completed = certain_leaves(shape, value)
                    if completed is not Undefined:
                        return completed
                if info is None:
                    info = self._info(step, details, parent_type, path)
                if self.is_awaitable(value):
                    return self.complete_awaitable_value(
                        shape.type, details, info, path, value, None
                    )
                target = self._link(plan, key, shape, details, info, value)
            if target is not None:
                completed = self._fill(target[2], target[0], value, path)
            else:
                completed = self._complete(shape, details, info, path, value)
            if self.is_awaitable(completed):
                return self._completed_later(completed, shape, details, path)
            return completed
        except Exception as raw_error:
            self.handle_field_error(raw_error, shape.type, details, path)
            return None

    def _info(
        self, step: FieldStep, details: FieldDetailsList, parent_type: GraphQLObjectType, path: Path
    ) -> Any:
        return self.build_resolve_info(step.field, [d.node for d in details], parent_type, path)

    def _link(
        self, plan: Plan, key: str, shape: Shape, details: FieldDetailsList, info: Any, value: Any
    ) -> Linked | None:
        """For an object or union field whose value's class alone decides its object type
        (as for `_member_type`'s cache) and cannot be awaitable: that type, its collected
        fields and their plan, kept in `plan` for the next values of the class."""
        if value is None or not (shape.kind is OBJECT or shape.kind is ABSTRACT):
            return None
        if isinstance(value, Exception) or not linkable_class(value):
            return None
        if get_strawberry_type_cast(value) is not None:  # the cast, not the class, decides
            return None
        if shape.kind is OBJECT:
            object_type = shape.object_type
            assert object_type is not None  # an object shape has its type
            if object_type.is_type_of is not None and not class_decides_member(value, object_type):
                return None
        else:  # once `_complete` has found the class's member (resolve_type runs once a value)
            object_type = shape.members.get(type(value))
            if object_type is None:
                return None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, details)
        if new_defer_usages:
            return None
        target = (object_type, grouped_field_set, self._plan(object_type, grouped_field_set))
        plan.links.setdefault(key, {})[type(value)] = target
        return target

    def _complete(
        self, shape: Shape, details: FieldDetailsList, info: Any, path: Path, value: Any
    ) -> Any:
        """The completed value, as graphql-core's `complete_value` would give it."""
        if value is not None and not isinstance(value, Exception):
            kind = shape.kind
            if kind is LEAF:
                serialized = certain_leaves(shape, value)
                if serialized is not Undefined:
                    return serialized
            elif kind is OBJECT:
                return self._complete_object(shape.object_type, details, info, path, value)  # type: ignore[arg-type]
            elif kind is ABSTRACT:
                member = self._member_type(shape, info, value)
                if member is not None:
                    return self._complete_object(member, details, info, path, value)
            elif kind is LIST and isinstance(value, list | tuple):
                return self._complete_list(shape, details, info, path, value)
        return self.complete_value(shape.type, details, info, path, value, None)

    def _member_type(self, shape: Shape, info: Any, value: Any) -> GraphQLObjectType | None:
        """The union or interface member the abstract type's own `resolve_type` names; None
        when that is anything but a plain answer naming one of its possible types. Kept per
        class where the class alone decides it (a `specs` union took 1.2 µs per value)."""
        abstract = shape.abstract_type
        if abstract is None or abstract.resolve_type is None:
            return None
        kept = shape.members.get(type(value))
        if kept is not None and get_strawberry_type_cast(value) is None:
            return kept
        name = abstract.resolve_type(value, info, abstract)
        if not isinstance(name, str):
            return None
        member = self.schema.get_type(name)
        if isinstance(member, GraphQLObjectType) and self.schema.is_sub_type(abstract, member):
            if class_decides_member(value, member):
                shape.members[type(value)] = member
            return member
        return None

    def _complete_object(
        self,
        object_type: GraphQLObjectType,
        details: FieldDetailsList,
        info: Any,
        path: Path,
        value: Any,
    ) -> Any:
        is_type_of = object_type.is_type_of
        if is_type_of is not None and is_type_of(value, info) is not True:
            return self.complete_object_value(object_type, details, info, path, value, None)
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, details)
        if new_defer_usages:
            return self.complete_object_value(object_type, details, info, path, value, None)
        return self.execute_fields(object_type, value, path, grouped_field_set, None)

    def _complete_list(
        self, shape: Shape, details: FieldDetailsList, info: Any, path: Path, items: Any
    ) -> Any:
        """A list of leaves is serialised here when every item is certain; anything else is
        graphql-core's list completion (awaitable items, errors per item, streaming), whose
        object items come back to `complete_value` below."""
        item = shape.item
        assert item is not None  # a list shape always has its item's
        if item.kind is LEAF:
            completed = certain_leaves(shape, items)
            if completed is not Undefined:
                return completed
            return self.complete_value(shape.type, details, info, path, items, None)
        if item.kind is OBJECT and self._shared() is not None:  # no @stream, no @defer
            objects = self._objects(item, details, info, path, items)
            if objects is not None:
                return objects
        list_type = shape.list_type
        assert list_type is not None  # as for the item
        return self.complete_list_value(list_type, details, info, path, items, None)

    def _objects(
        self, item: Shape, details: FieldDetailsList, info: Any, path: Path, items: Any
    ) -> Any:
        """A list whose items are all objects of the item type (no null, error or awaitable),
        each run with the selection collected once: graphql-core's list completion, item by
        item, without its general per-item dispatch. None when any item is not that certain."""
        object_type = item.object_type
        assert object_type is not None  # an object shape has its type
        is_type_of, is_awaitable = object_type.is_type_of, self.is_awaitable
        certain: set[type] = set()  # classes whose every value passes the checks below
        try:
            for value in items:
                if type(value) in certain and get_strawberry_type_cast(value) is None:
                    continue
                if value is None or isinstance(value, Exception) or is_awaitable(value):
                    return None
                if is_type_of is not None and is_type_of(value, info) is not True:
                    return None
                if linkable_class(value) and (
                    is_type_of is None or class_decides_member(value, object_type)
                ):
                    certain.add(type(value))
        except Exception:  # a check that fails is graphql-core's to report, for its item
            return None
        grouped_field_set, new_defer_usages, _ = self.collect_subfields(object_type, details)
        if new_defer_usages:
            return None
        plan = self._plan(object_type, grouped_field_set)
        completed: list[Any] = []
        awaiting: list[int] = []
        try:
            for index, value in enumerate(items):
                item_path = path_to(path, index, None)
                try:
                    result = self._fill(plan, object_type, value, item_path)
                except Exception as raw_error:
                    self.handle_field_error(raw_error, item.type, details, item_path)
                    result = None
                if is_awaitable(result):
                    result = self._completed_later(result, item, details, item_path)
                    awaiting.append(index)
                completed.append(result)
        except Exception:
            self._abandon(completed, awaiting)
            raise
        return self._settled(completed, awaiting)

    def complete_value(
        self,
        return_type: Any,
        field_details_list: FieldDetailsList,
        info: Any,
        path: Path,
        result: Any,
        position_context: Any,
    ) -> Any:
        """List items and resolved awaitables come back here from graphql-core: objects among
        them run their compiled selection too."""
        if (
            position_context is None
            and isinstance(return_type, GraphQLObjectType)
            and result is not None
            and result is not Undefined
            and not isinstance(result, Exception)
            and self._without_middleware()
        ):
            return self._complete_object(return_type, field_details_list, info, path, result)
        return super().complete_value(
            return_type, field_details_list, info, path, result, position_context
        )
