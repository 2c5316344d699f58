"""A products page reads only the columns its selection needs (schema/products/columns.py),
and answers exactly what the same fields answer when read by id, which reads every column.
Over HTTP with real tokens, on SQLite and PostgreSQL."""

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import httpx
import pytest
from graphql import (
    GraphQLList,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLUnionType,
    build_schema,
    get_named_type,
    is_leaf_type,
)

from catalog.models import Product
from schema.products.columns import FIELD_COLUMNS

SCHEMA = build_schema(
    (Path(__file__).resolve().parent.parent / "schema" / "schema.graphql").read_text()
)
PRODUCT = SCHEMA.type_map["Product"]
assert isinstance(PRODUCT, GraphQLObjectType)
PAGE = 6


def _leaves(object_type: GraphQLObjectType) -> str:
    """Every leaf field without required arguments, one level down."""
    names = [
        name
        for name, field in object_type.fields.items()
        if is_leaf_type(get_named_type(field.type))
        and not any(isinstance(a.type, GraphQLNonNull) for a in field.args.values())
    ]
    return " ".join(names)


def selection(name: str) -> str:
    """The field with a sub-selection of every leaf beneath it (every member of a union)."""
    field_type = get_named_type(PRODUCT.fields[name].type)
    if isinstance(field_type, GraphQLObjectType):
        return f"{name} {{ {_leaves(field_type)} }}"
    if isinstance(field_type, GraphQLUnionType):
        members = " ".join(f"... on {t.name} {{ {_leaves(t)} }}" for t in field_type.types)
        return f"{name} {{ __typename {members} }}"
    return name


def test_every_product_field_names_the_columns_it_reads() -> None:
    assert set(FIELD_COLUMNS) - {"__typename"} == set(PRODUCT.fields)
    columns = {c.name for c in Product.__table__.columns}  # type: ignore[attr-defined]
    for field, read in FIELD_COLUMNS.items():
        assert set(read) <= columns, field
    # The test below builds a selection for every field; lists of objects are among them.
    assert any(
        isinstance(f.type, GraphQLNonNull) and isinstance(f.type.of_type, GraphQLList)
        for f in PRODUCT.fields.values()
    )


def _values(body: dict[str, Any]) -> tuple[Any, int]:
    return body.get("data"), len(body.get("errors") or [])


@pytest.mark.parametrize("caller", ["demo-curator", "demo-manufacturer-1", "demo-partner-PL"])
async def test_each_field_on_a_page_reads_as_by_id(
    api: httpx.AsyncClient, token_for: Callable[..., Awaitable[str]], caller: str
) -> None:
    headers = {"Authorization": f"Bearer {await token_for(caller)}"}
    ids_query = f"{{ products(first: {PAGE}) {{ edges {{ node {{ id }} }} }} }}"
    listed = (await api.post("/graphql", json={"query": ids_query}, headers=headers)).json()
    ids = [e["node"]["id"] for e in listed["data"]["products"]["edges"]]
    assert len(ids) >= 3  # the demo manufacturer owns four products
    for name in PRODUCT.fields:
        picked = selection(name)
        page_query = f"{{ products(first: {PAGE}) {{ edges {{ node {{ id {picked} }} }} }} }}"
        page = (await api.post("/graphql", json={"query": page_query}, headers=headers)).json()
        by_id = " ".join(f'p{i}: product(id: "{p}") {{ id {picked} }}' for i, p in enumerate(ids))
        one_query = f"{{ {by_id} }}"
        one = (await api.post("/graphql", json={"query": one_query}, headers=headers)).json()
        page_data, page_errors = _values(page)
        one_data, one_errors = _values(one)
        assert one_data is not None and page_data is not None, (name, one, page)
        nodes = [e["node"] for e in page_data["products"]["edges"]]
        assert nodes == [one_data[f"p{i}"] for i in range(len(ids))], name
        assert page_errors == one_errors, (name, page, one)
