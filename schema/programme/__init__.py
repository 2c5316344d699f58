"""GraphQL for the programme's structures: export freezes and the domestic reserve, export
centres, co-production and production lines, and the programme's report."""
