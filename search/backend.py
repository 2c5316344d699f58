"""The search contract shared by every backend (`sql`, `meilisearch`).

Hits and facet counts only ever come from products `catalog.visibility.visible_products`
allows for the principal; filters are the listings' `ProductFilter`.
"""

import base64
import dataclasses
import re
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from typing import Any, Protocol

from catalog.core.errors import Codes, DomainError
from catalog.core.principal import Principal
from catalog.products.filters import ProductFilter

MAX_PAGE_SIZE = 100
MAX_QUERY_LENGTH = 200
MAX_FACET_VALUES = 50
# Public facet names (as GraphQL shows them) and the product attribute each one counts.
FACETS: dict[str, str] = {
    "category": "category",
    "controlEntry": "control_entry",
    "manufacturer": "manufacturer_id",
    "techTransfer": "tech_transfer",
}
_CURSOR_PREFIX = "search:"
# No ranked list is read past this position (Meilisearch's maxTotalHits is the same), so no
# genuine cursor holds a larger one.
MAX_OFFSET = 100_000
_OFFSET = re.compile(r"[0-9]{1,6}")


@dataclass(frozen=True, slots=True)
class SearchQuery:
    text: str
    filter: ProductFilter | None = None
    facets: tuple[str, ...] = ()
    first: int = 20
    offset: int = 0
    # What the caller reads: the total and the hits' highlights are not worked out unasked.
    with_total: bool = True
    with_highlights: bool = True


@dataclass(frozen=True, slots=True)
class SearchHit:
    product_id: uuid.UUID
    score: float
    highlights: tuple[str, ...] = ()
    # The product's row as `catalog.products.listing.get_many_visible` reads it, read by the
    # statement that checked its visibility for this search (None: not read with the hit).
    row: Any = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True)
class FacetValue:
    value: str
    count: int
    label: str | None = None


@dataclass(frozen=True, slots=True)
class Facet:
    name: str
    values: tuple[FacetValue, ...]


@dataclass(frozen=True, slots=True)
class SearchResult:
    hits: tuple[SearchHit, ...]
    offset: int
    has_next_page: bool
    total: int | None = None
    facets: tuple[Facet, ...] = field(default_factory=tuple)
    # The backend that should have answered, when another one did (see search/fallback.py).
    degraded_from: str | None = None

    def cursor_of(self, index: int) -> str:
        return encode_cursor(self.offset + index + 1)


@dataclass(frozen=True, slots=True)
class Health:
    ok: bool
    backend: str
    detail: str = ""


class SearchBackend(Protocol):
    name: str

    async def apply(self, product_ids: Sequence[uuid.UUID]) -> None:
        """Bring these products' index entries up to date with the database (idempotent):
        index the ones that exist, delete the ones that do not."""

    def reindex(self, batch_size: int = 500) -> AsyncIterator[int]:
        """Rebuild the whole index from the database, yielding how many products each batch
        covered (for a progress bar)."""

    async def search(self, principal: Principal, query: SearchQuery) -> SearchResult: ...

    async def health(self) -> Health: ...

    async def close(self) -> None:
        """Release what the backend keeps open (connection pools); the app calls it at
        shutdown, after the last request."""


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{offset}".encode()).decode()


def decode_cursor(cursor: str | None) -> int:
    """Search cursors are positions in the ranked result list."""
    if not cursor:
        return 0
    try:
        raw = base64.urlsafe_b64decode(cursor.encode("ascii")).decode("ascii")
    except (ValueError, UnicodeError):  # binascii.Error is a ValueError
        raw = ""
    digits = raw.removeprefix(_CURSOR_PREFIX)
    if raw.startswith(_CURSOR_PREFIX) and _OFFSET.fullmatch(digits):
        offset = int(digits)
        if offset <= MAX_OFFSET:
            return offset
    raise DomainError.one("invalid cursor", Codes.INVALID, "after")


def validate_query(query: SearchQuery) -> SearchQuery:
    problems = []
    if not 0 < query.first <= MAX_PAGE_SIZE:
        problems.append(f"first must be between 1 and {MAX_PAGE_SIZE}")
    if len(query.text) > MAX_QUERY_LENGTH:
        problems.append(f"query must be at most {MAX_QUERY_LENGTH} characters")
    unknown = sorted(set(query.facets) - FACETS.keys())
    if unknown:
        problems.append(f"unknown facets: {', '.join(unknown)} (known: {', '.join(FACETS)})")
    if problems:
        raise DomainError.one("; ".join(problems), Codes.INVALID)
    if query.filter is not None and query.filter.text is not None:
        # The search text is the query; the listings' substring filter does not apply.
        return dataclasses.replace(query, filter=dataclasses.replace(query.filter, text=None))
    return query
