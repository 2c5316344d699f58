"""Search results: hits with score and highlights, facets over visible products."""

import strawberry

from schema.products.types import Product
from schema.relay import PageInfo


@strawberry.type
class FacetValue:
    value: str
    count: int
    label: str | None = strawberry.field(
        default=None, description="A readable name where the value is an ID (manufacturer)."
    )


@strawberry.type
class Facet:
    name: str
    values: list[FacetValue]


@strawberry.type
class SearchEdge:
    cursor: str
    node: Product
    score: float | None
    highlights: list[str] = strawberry.field(
        description="Matched text with the matched words in <mark>…</mark>; HTML-escaped."
    )


@strawberry.type
class SearchConnection:
    edges: list[SearchEdge]
    page_info: PageInfo
    total_count: int | None
    facets: list[Facet]
