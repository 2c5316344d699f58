"""Assembles the Strawberry schema from the per-domain query and mutation types."""

from collections.abc import Sequence
from functools import partial
from typing import Any, Protocol

import strawberry
from strawberry.extensions import DisableIntrospection
from strawberry.schema.config import StrawberryConfig

from schema.audit.queries import AuditQuery
from schema.document import PreparedParsing
from schema.error_handling import MarketSchema
from schema.execution import PlainLeafExecutionContext
from schema.licensing.mutations import LicensingMutation, RoutingRuleMutation
from schema.licensing.queries import LicensingQuery, RoutingRuleQuery
from schema.licensing.types import LicensingCase, RoutingRule
from schema.limits import LimitedValidation, Limits, LimitSettings
from schema.node import NodeQuery
from schema.organisations.me import MeQuery
from schema.organisations.mutations import CountryMutation, OrganisationMutation
from schema.organisations.queries import OrganisationQuery
from schema.organisations.types import Manufacturer, Partner
from schema.products.mutations import ProductMutation
from schema.products.queries import ProductQuery
from schema.products.revision_mutations import RevisionMutation, RevisionQuery
from schema.products.types import GroundDroneSpecs, NavalDroneSpecs, Product, SoftwareSpecs
from schema.quotes.mutations import QuoteMutation
from schema.quotes.queries import QuoteQuery
from schema.quotes.types import QuoteRequest
from schema.scalars import SCALAR_OVERRIDES
from schema.search.queries import SearchQueries
from schema.webhooks.mutations import WebhookMutation
from schema.webhooks.queries import WebhookQuery


@strawberry.type
class Query(
    MeQuery,
    NodeQuery,
    ProductQuery,
    RevisionQuery,
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
    RevisionMutation,
    OrganisationMutation,
    CountryMutation,
    QuoteMutation,
    LicensingMutation,
    RoutingRuleMutation,
    WebhookMutation,
):
    pass


NODE_TYPES = [Product, Manufacturer, Partner, GroundDroneSpecs, NavalDroneSpecs, SoftwareSpecs]
NODE_TYPES += [QuoteRequest, LicensingCase, RoutingRule]


class SchemaSettings(LimitSettings, Protocol):
    @property  # read-only, so that a settings class may narrow it to a Literal
    def market_env(self) -> str: ...


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
        partial(PreparedParsing, max_tokens),
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
        scalar_overrides=SCALAR_OVERRIDES,
        dev=env == "dev",
    )
