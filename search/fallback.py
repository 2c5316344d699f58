"""Meilisearch with the database's own full-text search behind it.

When Meilisearch cannot be reached, a search is answered by the `sql` backend instead (same
visibility predicate, same filters; only ranking and typo handling differ) and marked degraded,
so users keep finding products through an outage. Indexing is never redirected: the outbox
worker keeps its events until Meilisearch is back, then catches up.
"""

import dataclasses
import logging
import uuid
from collections.abc import AsyncIterator, Sequence

from meilisearch.errors import MeilisearchCommunicationError, MeilisearchTimeoutError

from catalog.core.principal import Principal
from search.backend import Health, SearchBackend, SearchQuery, SearchResult

log = logging.getLogger("market.search")
UNREACHABLE = (MeilisearchCommunicationError, MeilisearchTimeoutError, OSError)


class FallbackSearch:
    def __init__(self, primary: SearchBackend, fallback: SearchBackend) -> None:
        self.primary = primary
        self.fallback = fallback
        self.name = primary.name

    async def apply(self, product_ids: Sequence[uuid.UUID]) -> None:
        await self.primary.apply(product_ids)

    def reindex(self, batch_size: int = 500) -> AsyncIterator[int]:
        return self.primary.reindex(batch_size)

    async def search(self, principal: Principal, query: SearchQuery) -> SearchResult:
        try:
            return await self.primary.search(principal, query)
        except UNREACHABLE as error:
            log.warning(
                "%s unreachable, searching with %s: %s", self.name, self.fallback.name, error
            )
        result = await self.fallback.search(principal, query)
        return dataclasses.replace(result, degraded_from=self.name)

    async def close(self) -> None:
        await self.primary.close()
        await self.fallback.close()

    async def health(self) -> Health:
        """Ready while the fallback can answer: an outage of the primary degrades search, it does
        not take the API out of the load balancer."""
        primary = await self.primary.health()
        if primary.ok:
            return primary
        fallback = await self.fallback.health()
        detail = f"degraded: {self.name} {primary.detail}; answering with {self.fallback.name}"
        return Health(fallback.ok, self.fallback.name, detail)
