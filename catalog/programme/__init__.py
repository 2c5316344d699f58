"""The programme's own structures: the domestic reserve and export freezes, export centres,
Build with Ukraine co-production and production lines, and the programme's report."""
