"""Assembles the Strawberry schema from the per-domain query and mutation types."""

from collections.abc import Sequence
from functools import partial
from typing import Any

import strawberry
from strawberry.extensions import DisableIntrospection, MaxTokensLimiter, ParserCache
from strawberry.schema.config import StrawberryConfig

from schema.audit import AuditQuery
from schema.error_handling import MarketSchema
from schema.execution import PlainLeafExecutionContext
from schema.licensing import LicensingCase, LicensingMutation, LicensingQuery
from schema.limits import LimitedValidation, Limits, LimitSettings
from schema.me import MeQuery
from schema.node import NodeQuery
from schema.organisations import Manufacturer, OrganisationMutation, OrganisationQuery, Partner
from schema.product_mutations import ProductMutation
from schema.products import GroundDroneSpecs, NavalDroneSpecs, Product, ProductQuery, SoftwareSpecs
from schema.quotes import QuoteMutation, QuoteQuery, QuoteRequest
from schema.routing_rules import RoutingRule, RoutingRuleMutation, RoutingRuleQuery
from schema.search import SearchQueries
from schema.webhooks import WebhookMutation, WebhookQuery


@strawberry.type
class Query(
    MeQuery,
    NodeQuery,
    ProductQuery,
    OrganisationQuery,
    SearchQueries,
    QuoteQuery,
    LicensingQuery,
    RoutingRuleQuery,
    WebhookQuery,
    AuditQuery,
):
    pass


@strawberry.type
class Mutation(
    ProductMutation,
    OrganisationMutation,
    QuoteMutation,
    LicensingMutation,
    RoutingRuleMutation,
    WebhookMutation,
):
    pass


NODE_TYPES = [Product, Manufacturer, Partner, GroundDroneSpecs, NavalDroneSpecs, SoftwareSpecs]
NODE_TYPES += [QuoteRequest, LicensingCase, RoutingRule]


class SchemaSettings(LimitSettings):
    market_env: str


def build_schema(
    settings: SchemaSettings | None = None, extra_extensions: Sequence[Any] = ()
) -> strawberry.Schema:
    """The schema with the request limits of `settings` (production defaults without them).
    Introspection is allowed in dev and test only; field suggestions in dev only."""
    env = settings.market_env if settings is not None else "production"
    limits = Limits.from_settings(settings) if settings is not None else Limits()
    max_tokens = settings.graphql_max_tokens if settings is not None else 5000
    # Factories, so each request gets its own extension instances.
    extensions: list[Any] = [
        ParserCache,
        partial(MaxTokensLimiter, max_token_count=max_tokens),
        partial(LimitedValidation, limits),
        *extra_extensions,
    ]
    if env not in ("dev", "test"):
        extensions.append(DisableIntrospection)
    return MarketSchema(
        query=Query,
        mutation=Mutation,
        types=NODE_TYPES,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=env != "dev"),
        execution_context_class=PlainLeafExecutionContext,
        dev=env == "dev",
    )
