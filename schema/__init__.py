"""The GraphQL schema. `schema.schema` is the canonical build; its SDL is schema.graphql."""

from schema.build import build_schema

schema = build_schema()

__all__ = ["build_schema", "schema"]
