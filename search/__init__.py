"""Product search: the `SearchBackend` contract, the embedded `sql` backend, the
`meilisearch` backend and the outbox indexer that feeds it."""
