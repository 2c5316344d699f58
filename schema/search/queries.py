"""`search`: full text over the products the caller may see, through the configured backend."""

from typing import Any

import strawberry
from strawberry.types import Info
from strawberry.types.nodes import SelectedField, Selection

from catalog.core.errors import DomainError
from schema.context import Context
from schema.loaders import product_loader
from schema.organisations.types import Manufacturer
from schema.permissions import require
from schema.products.filters import ProductFilter, domain_filter
from schema.products.types import Product
from schema.relay import bad_input, page_info, page_size, to_global_id
from schema.search.types import Facet, FacetValue, SearchConnection, SearchEdge
from search import backend as contract


def _selects(info: Info[Context, Any], *path: str) -> bool:
    """Whether the search field's selection reaches the field `path` (names, outermost first),
    through fragments; a field under @skip or @include counts as selected."""
    level = [selection for field in info.selected_fields for selection in field.selections]
    for name in path:
        found = [field for field in _fields(level) if field.name == name]
        if not found:
            return False
        level = [selection for field in found for selection in field.selections]
    return True


def _fields(selections: list[Selection]) -> list[SelectedField]:
    """The fields among `selections`, those of inline fragments and fragment spreads included."""
    fields: list[SelectedField] = []
    for selection in selections:
        if isinstance(selection, SelectedField):
            fields.append(selection)
        else:
            fields += _fields(selection.selections)
    return fields


def _facet(facet: contract.Facet) -> Facet:
    values = []
    for v in facet.values:
        # Manufacturer values are global IDs, usable as `filter.manufacturerId`.
        value = to_global_id("Manufacturer", v.value) if facet.name == "manufacturer" else v.value
        values.append(FacetValue(value=value, count=v.count, label=v.label))
    return Facet(name=facet.name, values=values)


@strawberry.type
class SearchQueries:
    @strawberry.field(description="Full-text search over the products visible to the caller.")
    async def search(
        self,
        info: Info[Context, Any],
        query: str,
        filter: ProductFilter | None = None,
        facets: list[str] | None = None,
        first: int | None = None,
        after: str | None = None,
    ) -> SearchConnection:
        require(info, "catalog:read")
        backend = info.context.search
        assert backend is not None, "the app wires a search backend into every context"
        try:
            request = contract.SearchQuery(
                text=query,
                filter=domain_filter(filter),
                facets=tuple(dict.fromkeys(facets or ())),
                first=page_size(info, first),
                offset=contract.decode_cursor(after),
                with_total=_selects(info, "totalCount"),
                with_highlights=_selects(info, "edges", "highlights"),
            )
            result = await backend.search(info.context.principal, request)
        except DomainError as error:
            raise bad_input(error.problems[0].message) from error
        if result.degraded_from:
            info.context.report("degraded", {"search": f"{result.degraded_from} unavailable"})
        loader = product_loader(info)
        for hit in result.hits:
            if hit.row is not None:  # read with the search's own visibility check
                loader.prime(hit.product_id, hit.row)
        rows = await loader.load_many([h.product_id for h in result.hits])
        edges = [
            SearchEdge(
                cursor=result.cursor_of(index),
                node=Product.from_row(row, Manufacturer.of_product_row(row)),
                score=hit.score,
                highlights=list(hit.highlights),
            )
            for index, (hit, row) in enumerate(zip(result.hits, rows, strict=True))
            if row is not None  # hidden since the search ran: not found, like any other
        ]
        return SearchConnection(
            edges=edges,
            page_info=page_info([e.cursor for e in edges], result.has_next_page, after),
            total_count=result.total,
            facets=[_facet(f) for f in result.facets],
        )
