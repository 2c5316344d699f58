"""The short path for plain scalar fields answers exactly what graphql-core's own path does,
errors and nulls included."""

import enum
from typing import Any

import pytest
import strawberry

from schema import execution
from schema.execution import PlainLeafExecutionContext


@strawberry.enum
class Colour(enum.Enum):
    RED = "red"
    BLUE = "blue"


@strawberry.type
class Item:
    name: str
    count: int
    colour: Colour
    note: str | None
    tags: list[str]


ITEMS: list[Any] = []


@strawberry.type
class Query:
    @strawberry.field
    def items(self) -> list[Item | None]:
        return ITEMS


QUERY = "{ items { name count colour note tags } }"


def run(items: list[Any], short_path: bool) -> dict[str, Any]:
    ITEMS[:] = items
    kwargs: dict[str, Any] = {"execution_context_class": PlainLeafExecutionContext}
    schema = strawberry.Schema(query=Query, **(kwargs if short_path else {}))
    result = schema.execute_sync(QUERY)
    return {
        "data": result.data,
        "errors": sorted((e.message, tuple(e.path or ())) for e in result.errors or []),
    }


def item(**overrides: Any) -> Item:
    values: dict[str, Any] = {
        "name": "Ravlyk",
        "count": 3,
        "colour": Colour.BLUE,
        "note": None,
        "tags": ["a"],
    }
    values.update(overrides)
    return Item(**values)


@pytest.mark.parametrize(
    "items",
    [
        [item(), item(name="Lyut", count=0, colour=Colour.RED, note="n")],
        [item(name=None)],  # null in a non-null field: the item becomes null, with an error
        [item(count="many")],  # a value Int refuses
        [item(count=2**40)],  # outside Int's 32 bits
        [item(colour="green")],  # not a member of the enum
        [item(), item(note=7)],  # String serialises what str() can, as graphql-core does
    ],
)
def test_same_answer_as_graphql_core(items: list[Any], monkeypatch: pytest.MonkeyPatch) -> None:
    expected = run(items, short_path=False)
    looked_up: list[str] = []
    original = execution.plain_leaf_serializer

    def spy(schema: Any, parent_type: Any, name: str, field: Any) -> Any:
        found = original(schema, parent_type, name, field)
        if found is not None:
            looked_up.append(str(field.type))
        return found

    monkeypatch.setattr(execution, "plain_leaf_serializer", spy)
    assert run(items, short_path=True) == expected
    assert looked_up  # the short path was really tried


def test_the_short_path_is_taken_for_plain_fields() -> None:
    from schema.build import build_schema
    from schema.execution import plain_leaf_serializer

    schema = build_schema()._schema
    product: Any = schema.type_map["Product"]
    plain = {
        name
        for name, f in product.fields.items()
        if plain_leaf_serializer(schema, product, name, f)
    }
    assert {"name", "unitsAvailable", "category", "controlEntry"} <= plain
    # Fields with their own resolvers (permissions, loaders) keep the full path.
    assert not plain & {"status", "reviewNote", "releases", "manufacturer", "specs"}
