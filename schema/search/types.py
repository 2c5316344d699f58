"""Search results: hits with score and highlights, facets over visible products."""

import strawberry

from schema.products.types import Product
from schema.relay import Edge, PageInfo


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
class SearchEdge(Edge[Product]):
    """A product hit: the edge of any product list, with its score and highlights."""

    score: float | None
    highlights: list[str] = strawberry.field(
        description="Matched text with the matched words in <mark>…</mark>; HTML-escaped."
    )


# Not a `Connection[Product]`: its edges are SearchEdges, and its nullable totalCount comes from
# the search backend together with the hits instead of a separate count when selected.
@strawberry.type
class SearchConnection:
    edges: list[SearchEdge]
    page_info: PageInfo
    total_count: int | None
    facets: list[Facet]
