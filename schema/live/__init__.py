"""GraphQL subscriptions: live updates of quotes, licensing cases and the partner's catalogue."""
