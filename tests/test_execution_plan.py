"""Compiled execution (schema/execution.py) answers exactly what graphql-core's own execution
answers, data and errors alike, on queries generated from the schema.

Two schemas: a small one whose values are generated too, so that every anomaly the compiled
steps must hand back to graphql-core occurs (nulls in non-null fields and list items, values a
scalar or an enum refuses, resolvers that raise or are async, an object of the wrong type, union
members), and the service's own schema over the seeded catalogue, queried by each kind of
organisation (the same generated documents, the same data, run both ways).
"""

import asyncio
import enum
import functools
import json
from typing import Annotated, Any

import pytest
import strawberry
from graphql import GraphQLSchema, GraphQLUnionType
from graphql.execution.collect_fields import FragmentDetails
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis_graphql import queries
from strawberry.extensions import ParserCache
from strawberry.scalars import JSON
from strawberry.schema.schema import StrawberryGraphQLCoreExecutionContext

from schema.execution import CompiledExecutionContext
from schema.execution_plan import LEAF, field_step

# ------------------------------------------------------------------ a schema of anomalies


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


class OnlyPositive(strawberry.BasePermission):
    message = "a count that is not positive"

    def has_permission(self, source: Any, info: strawberry.Info, **kwargs: Any) -> bool:
        return isinstance(source.count, int) and source.count > 0


@strawberry.interface
class Named:
    name: str


@strawberry.type
class Circle:
    radius: float


@strawberry.type
class Square:
    side: int | None


Shape = Annotated[Circle | Square, strawberry.union("Shape")]


@strawberry.type
class Item(Named):
    count: int
    colour: Colour
    note: str | None
    tags: list[str]
    loose_tags: list[str | None] | None
    child: "Item | None"
    kids: list["Item"]
    strict_kids: list["Item"] | None
    shape: Shape | None
    strict_shape: Shape
    # A scalar whose serialiser takes anything (an exception given as a value included).
    blob: JSON | None = None
    blobs: list[JSON] | None = None

    @strawberry.field
    def computed(self) -> int:
        if self.count < 0:
            raise ValueError("a negative count")
        return self.count * 2

    @strawberry.field
    def info_name(self, info: strawberry.Info) -> str:
        return f"{info.field_name}:{self.name}"

    @strawberry.field
    def info_path(self, info: strawberry.Info) -> str:
        return "/".join(map(str, info.path.as_list()))

    @strawberry.field
    def unread_info(self, info: strawberry.Info) -> int:  # asks for it, answers without it
        return 1

    @strawberry.field
    @staticmethod
    def rooted(root: "Item") -> int | None:
        return root.count if isinstance(root.count, int) else None

    @strawberry.field(permission_classes=[OnlyPositive])
    def guarded(self) -> str:
        return "let in"

    @strawberry.field
    async def later(self) -> "Item | None":
        await asyncio.sleep(0)
        return self.child

    @strawberry.field
    def strict_later(self) -> "Item":
        return self.child  # type: ignore[return-value]  # a null here is one of the anomalies


ROOT: dict[str, Any] = {}


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return ROOT["items"]  # type: ignore[no-any-return]

    @strawberry.field
    def first(self) -> Item:
        return ROOT["items"][0] if ROOT["items"] else None  # type: ignore[no-any-return]

    @strawberry.field
    def named(self) -> list[Named]:
        return [i for i in ROOT["items"] if i is not None]

    @strawberry.field
    def wrong(self) -> Item | None:
        return ROOT["wrong"]  # type: ignore[no-any-return]


TOY_TYPES = [Item, Circle, Square]


@functools.cache
def toy_schema(compiled: bool) -> strawberry.Schema:
    """One schema each way for the whole module, with documents parsed once per text (as the
    service's are), so a query that comes again meets what compiled execution kept of it."""
    context_class = CompiledExecutionContext if compiled else StrawberryGraphQLCoreExecutionContext
    return strawberry.Schema(
        query=Query,
        types=TOY_TYPES,
        execution_context_class=context_class,
        extensions=[ParserCache],
    )


TOY_SDL = toy_schema(compiled=False).as_str()

odd_scalars = st.sampled_from([None, "many", 2**40, 7, -3, 1.5, "x", True])
colours = st.sampled_from([Colour.RED, Colour.BLUE, "green", None, "red"])
shapes = st.one_of(
    st.none(),
    st.builds(
        Circle, radius=st.sampled_from([1.5, None, "wide", 2, 2**60 + 1, float("inf"), True])
    ),
    st.builds(Square, side=st.sampled_from([3, None, "big", 2**40])),
    st.just("not a shape"),
)


blobs = st.sampled_from([None, 1, "x", ValueError("an exception given as a value")])


def _item(children: st.SearchStrategy[list[Any]]) -> st.SearchStrategy[Item]:
    return st.builds(
        Item,
        name=st.sampled_from(["Ravlyk", None, 5, "Lyut"]),
        count=st.sampled_from([3, 0, -1, None, "many", 2**40]),
        colour=colours,
        note=odd_scalars,
        tags=st.one_of(st.none(), st.lists(odd_scalars, max_size=3), st.just("abc")),
        loose_tags=st.one_of(st.none(), st.lists(odd_scalars, max_size=3)),
        child=st.one_of(st.none(), children.map(lambda c: c[0] if c else None)),
        kids=st.one_of(children, st.none()),
        strict_kids=st.one_of(children, st.none(), children.map(lambda c: [*c, None])),
        shape=shapes,
        strict_shape=shapes,
        blob=blobs,
        blobs=st.one_of(st.none(), st.lists(blobs, max_size=3)),
    )


items = st.recursive(
    st.lists(st.none(), max_size=1),
    lambda children: st.lists(st.one_of(st.none(), _item(children)), max_size=3),
    max_leaves=6,
)


def comparable(result: Any) -> str:
    """The answer as JSON text: key order, and 2 against 2.0, count."""
    errors = [error.formatted for error in result.errors or []]
    return json.dumps({"data": result.data, "errors": sorted(errors, key=repr)}, default=repr)


async def both_ways(query: str, build: Any, **execute: Any) -> tuple[Any, Any]:
    reference = await build(False).execute(query, **execute)
    compiled = await build(True).execute(query, **execute)
    return comparable(reference), comparable(compiled)


WRONG = st.sampled_from([None, "text", Circle(radius=1.0)])


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(query=queries(TOY_SDL), values=items, wrong=WRONG)
def test_generated_queries_on_anomalous_values(query: str, values: list[Any], wrong: Any) -> None:
    ROOT.update(items=values, wrong=wrong)
    reference, compiled = asyncio.run(both_ways(query, toy_schema))
    assert compiled == reference


EXAMPLE = """
query {
  items { name count colour note tags looseTags computed blob blobs
    child { name later { name } strictLater { name } }
    kids { name count } strictKids { name }
    shape { __typename ... on Circle { radius } ... on Square { side } }
    strictShape { ... on Square { side } }
  }
  first { name }
  named { name ... on Item { count } }
  wrong { name }
}
"""


@pytest.mark.parametrize(
    "overrides",
    [
        {},
        {"name": None},  # null in a non-null field: the item becomes null, with an error
        {"count": "many"},  # a value Int refuses
        {"count": 2**40},  # outside Int's 32 bits
        {"count": -1},  # the resolver raises
        {"colour": "green"},  # not a member of the enum
        {"note": 7},  # String serialises what str() can, as graphql-core does
        {"tags": [None]},  # a null item in a list of non-null strings
        {"strict_kids": [None]},
        {"shape": "not a shape"},  # no member of the union
        {"shape": Circle(radius=2)},  # an int where a Float is due: serialised as 2.0
        {"shape": Circle(radius=2**60 + 1)},  # an int no float holds exactly
        {"strict_shape": None},
        # cast to the other member: resolved by the cast, then completed as that type
        {"shape": strawberry.cast(Square, Circle(radius=2.5))},
        {"strict_shape": strawberry.cast(Circle, Square(side=4))},
        # an exception as a value is raised, even where the scalar would serialise it
        {"blob": ValueError("an exception given as a value")},
        {"blobs": [1, ValueError("an exception given as a value")]},
    ],
)
async def test_same_answer_as_graphql_core(overrides: dict[str, Any]) -> None:
    child = Item(**{**_plain_values(), "child": None})
    ROOT.update(items=[Item(**{**_plain_values(), "child": child, **overrides})], wrong="text")
    reference, compiled = await both_ways(EXAMPLE, toy_schema)
    assert compiled == reference
    assert '"data": null' not in reference or '"errors": []' not in reference


async def test_a_document_run_again_answers_for_its_new_values() -> None:
    """Collected fields and plans are kept across executions of one parsed document
    (schema/execution_shared.py); each execution still answers for its own values."""
    for overrides in ({}, {"count": "many"}, {"name": None}, {"shape": "not a shape"}, {}):
        child = Item(**{**_plain_values(), "child": None})
        ROOT.update(items=[Item(**{**_plain_values(), "child": child, **overrides})], wrong=None)
        reference, compiled = await both_ways(EXAMPLE, toy_schema)
        assert compiled == reference


DIRECTED = """
query Directed($skip: Boolean!, $take: Boolean!) {
  items { name @skip(if: $skip) count ...Extra @include(if: $take) }
}
fragment Extra on Item { colour kids { name @include(if: $take) } }
"""


@pytest.mark.parametrize("skip", [True, False])
@pytest.mark.parametrize("take", [True, False])
async def test_directives_on_variables_are_collected_for_each_execution(
    skip: bool, take: bool
) -> None:
    """An operation with directives is collected afresh every time: what it selects depends on
    the variables."""
    ROOT.update(items=[Item(**{**_plain_values(), "kids": [Item(**_plain_values())]})])
    variables = {"skip": skip, "take": take}
    reference, compiled = await both_ways(DIRECTED, toy_schema, variable_values=variables)
    assert compiled == reference
    assert ('"name"' in compiled) == (not skip or take) and ('"colour"' in compiled) == take


def test_only_operations_without_directives_or_fragment_variables_are_kept() -> None:
    from graphql import parse

    from schema.execution_shared import shared_execution

    schema = toy_schema(compiled=True)._schema

    def kept(text: str) -> bool:
        document = parse(text, experimental_fragment_arguments=True)
        operation = next(d for d in document.definitions if d.kind == "operation_definition")
        fragments = {
            d.name.value: FragmentDetails(d)  # type: ignore[attr-defined]
            for d in document.definitions
            if d.kind == "fragment_definition"
        }
        found = shared_execution(schema, operation, fragments)  # type: ignore[arg-type]
        assert shared_execution(schema, operation, fragments) is found  # asked once
        return found is not None

    assert kept("{ items { name ...F } } fragment F on Item { count }")
    assert not kept("{ items { name @skip(if: true) } }")
    assert not kept("{ items { ...F } } fragment F on Item { count @include(if: false) }")
    assert not kept("{ items { ...F(n: 1) } } fragment F($n: Int) on Item { count }")


def _plain_values() -> dict[str, Any]:
    return {
        "name": "Ravlyk",
        "count": 3,
        "colour": Colour.BLUE,
        "note": None,
        "tags": ["a"],
        "loose_tags": None,
        "child": None,
        "kids": [],
        "strict_kids": None,
        "shape": Circle(radius=1.5),
        "strict_shape": Square(side=2),
    }


def test_plain_fields_are_read_without_a_resolver_call() -> None:
    from schema.build import build_schema

    schema: GraphQLSchema = build_schema()._schema
    product: Any = schema.type_map["Product"]

    def reads_attribute(name: str) -> bool:
        step = field_step(schema, product, name)
        return step is not None and step.read is not None and step.shape.kind is LEAF

    assert all(map(reads_attribute, ["name", "unitsAvailable", "category", "controlEntry"]))
    # Fields with their own resolvers (permissions, loaders) call them, directly where
    # nothing stands between (no arguments, extensions or exception handlers).
    for name in ("status", "reviewNote", "releases", "manufacturer", "specs"):
        step = field_step(schema, product, name)
        assert step is not None and step.read is None
        assert step.resolve is not product.fields[name].resolve, name
    query: Any = schema.type_map["Query"]
    with_arguments = field_step(schema, query, "products")
    assert with_arguments is None  # arguments: graphql-core's own path


async def test_resolve_info_is_built_only_for_resolvers_that_read_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A resolver given Strawberry's `Info` builds graphql-core's resolve info only when it
    reads it (schema/lazy_info.py), and then the same one graphql-core would give it."""
    built: list[str] = []
    original = CompiledExecutionContext.build_resolve_info

    def counting(self: Any, field: Any, field_nodes: Any, parent: Any, path: Any) -> Any:
        built.append(field_nodes[0].name.value)
        return original(self, field, field_nodes, parent, path)

    monkeypatch.setattr(CompiledExecutionContext, "build_resolve_info", counting)
    ROOT.update(items=[Item(**_plain_values()) for _ in range(3)])
    query = "{ items { unreadInfo infoPath infoName } }"
    reference, compiled = await both_ways(query, toy_schema)
    assert compiled == reference
    assert "items/2/infoPath" in compiled and "infoName:Ravlyk" in compiled
    assert "unreadInfo" not in built and built.count("infoPath") == 3


async def test_a_union_member_is_resolved_once_per_class(monkeypatch: pytest.MonkeyPatch) -> None:
    """Values of a plain member type take the member their class resolved to before (the
    class alone decides it: schema/execution_plan.py `class_decides_member`); a cast value is
    still resolved by its cast."""
    schema = strawberry.Schema(
        query=Query, types=TOY_TYPES, execution_context_class=CompiledExecutionContext
    )
    union = schema._schema.type_map["Shape"]
    assert isinstance(union, GraphQLUnionType) and union.resolve_type is not None
    resolved: list[str] = []
    resolve = union.resolve_type

    def counting(value: Any, info: Any, abstract: Any) -> Any:
        resolved.append(type(value).__name__)
        return resolve(value, info, abstract)

    monkeypatch.setattr(union, "resolve_type", counting)
    shapes = [Circle(radius=1.0), Square(side=2), Circle(radius=3.0), Square(side=4)]
    shapes.append(strawberry.cast(Square, Circle(radius=5.0)))
    ROOT.update(items=[Item(**{**_plain_values(), "shape": s}) for s in shapes])
    result = await schema.execute("{ items { shape { __typename } } }")
    assert result.errors is None and result.data is not None
    names = [item["shape"]["__typename"] for item in result.data["items"]]
    assert names == ["Circle", "Square", "Circle", "Square", "Square"]
    assert resolved == ["Circle", "Square", "Circle"]  # the last one the cast
