"""Relay conventions: the Node interface, global IDs, connections, PageInfo and page-size
limits."""

import uuid
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Generic, TypeVar

import strawberry
from graphql import GraphQLError
from sqlalchemy.ext.asyncio import AsyncSession
from strawberry import LazyType
from strawberry.types import Info

from catalog.core import ids as global_ids
from catalog.core.pagination import Page
from schema.context import Context
from schema.errors import ErrorCode, coded_error

DEFAULT_PAGE_SIZE = 20


@strawberry.interface(description="An object with a global ID (Relay).")
class Node:
    id: strawberry.ID


@strawberry.type
class PageInfo:
    has_next_page: bool
    has_previous_page: bool
    start_cursor: str | None
    end_cursor: str | None


NodeT = TypeVar("NodeT")
Counter = Callable[[AsyncSession], Awaitable[int]]


@strawberry.type
class Edge(Generic[NodeT]):
    """`Edge[Product]` is the GraphQL type `ProductEdge`."""

    cursor: str
    node: NodeT


@strawberry.type
class Connection(Generic[NodeT]):
    """`Connection[Product]` is the GraphQL type `ProductConnection`. `count` counts the whole
    list (the same filter and visibility as the page) and runs only when `totalCount` is
    selected."""

    edges: list[Edge[NodeT]]
    page_info: PageInfo
    count: strawberry.Private[Counter]

    @strawberry.field(description="Computed only when selected.")
    async def total_count(self, info: Info[Context, Any]) -> int:
        async with info.context.db.read() as session:
            return await self.count(session)


def connection(
    nodes: Sequence[NodeT], page: Page[Any], after: str | None, count: Counter
) -> Connection[NodeT]:
    """The connection of one page: `nodes` are the page's items as GraphQL objects."""
    return Connection(
        edges=[Edge(cursor=c, node=n) for n, c in zip(nodes, page.cursors, strict=True)],
        page_info=page_info(page.cursors, page.has_next, after),
        count=count,
    )


def to_global_id(type_name: str, value: uuid.UUID | str) -> strawberry.ID:
    return strawberry.ID(global_ids.to_global_id(type_name, value))


def parse_global_id(global_id: str) -> tuple[str, uuid.UUID] | None:
    """(type name, uuid), or None for anything malformed."""
    return global_ids.parse_global_id(global_id)


def id_of_type(global_id: str, expected_type: str) -> uuid.UUID | None:
    """The uuid if `global_id` names an object of `expected_type`; a global ID of another type
    is treated like an ID that does not exist (no type confusion)."""
    parsed = parse_global_id(global_id)
    if parsed is None or parsed[0] != expected_type:
        return None
    return parsed[1]


def page_size(info: Info[Any, Any], first: int | None) -> int:
    limit = info.context.settings.page_size_max
    if first is None:
        return DEFAULT_PAGE_SIZE
    if not 0 < first <= limit:
        raise coded_error(f"first must be between 1 and {limit}", ErrorCode.BAD_USER_INPUT)
    return first


def page_info(cursors: list[str], has_next: bool, after: str | None) -> PageInfo:
    return PageInfo(
        has_next_page=has_next,
        has_previous_page=after is not None,
        start_cursor=cursors[0] if cursors else None,
        end_cursor=cursors[-1] if cursors else None,
    )


def bad_input(message: str) -> GraphQLError:
    return coded_error(message, ErrorCode.BAD_USER_INPUT)


def lazy_type(module: str, name: str) -> Any:
    """The Strawberry type `name` of `module`, resolved on first use exactly as the
    `strawberry.lazy` annotation of the field that returns it. Two type modules that refer to
    each other (a product's manufacturer, a manufacturer's products) then import each other in
    one direction only."""
    return LazyType(name, module).resolve_type()
