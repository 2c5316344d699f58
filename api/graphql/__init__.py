"""GraphQL over HTTP at `/graphql`: transport (parameters, negotiation, status codes),
admission (limits, cost, budget) and the pipeline that runs each request through them once."""

from api.graphql.pipeline import GraphQLEndpoint

__all__ = ["GraphQLEndpoint"]
