"""Assembles the Strawberry schema from the per-domain query and mutation types."""

from functools import partial
from typing import Any, Protocol

import strawberry
from graphql.validation import NoSchemaIntrospectionCustomRule
from strawberry.schema.config import StrawberryConfig

from schema.audit.queries import AuditQuery
from schema.document import PreparedParsing
from schema.documents.mutations import DocumentMutation
from schema.documents.types import Document
from schema.error_handling import MarketSchema
from schema.licensing.mutations import LicensingMutation, RoutingRuleMutation
from schema.licensing.queries import LicensingQuery, RoutingRuleQuery
from schema.licensing.types import LicensingCase, RoutingRule
from schema.limits import LimitedValidation, Limits, LimitSettings
from schema.live.execution import SharedEventExecutionContext
from schema.live.subscriptions import Subscription
from schema.node import NodeQuery
from schema.organisations.api_clients import ApiClientMutation, ApiClientQuery
from schema.organisations.me import MeQuery
from schema.organisations.mutations import CountryMutation, OrganisationMutation
from schema.organisations.officers import OfficerMutation, OfficerQuery
from schema.organisations.onboarding import OnboardingMutation, OnboardingQuery, Organisation
from schema.organisations.queries import OrganisationQuery
from schema.organisations.types import Manufacturer, Partner
from schema.products.mutations import ProductMutation
from schema.products.queries import ProductQuery
from schema.products.revision_mutations import RevisionMutation, RevisionQuery
from schema.products.types import GroundDroneSpecs, NavalDroneSpecs, Product, SoftwareSpecs
from schema.programme.centres import ExportCentreMutation
from schema.programme.coproduction import CoProductionMutation, CoProductionQuery
from schema.programme.mutations import ReserveMutation
from schema.programme.queries import ProgrammeQuery
from schema.programme.report import ReportQuery
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
    OnboardingQuery,
    OfficerQuery,
    ApiClientQuery,
    SearchQueries,
    QuoteQuery,
    LicensingQuery,
    RoutingRuleQuery,
    WebhookQuery,
    AuditQuery,
    ProgrammeQuery,
    CoProductionQuery,
    ReportQuery,
):
    pass


@strawberry.type
class Mutation(
    ProductMutation,
    RevisionMutation,
    OrganisationMutation,
    OnboardingMutation,
    OfficerMutation,
    ApiClientMutation,
    CountryMutation,
    QuoteMutation,
    LicensingMutation,
    RoutingRuleMutation,
    WebhookMutation,
    ReserveMutation,
    ExportCentreMutation,
    CoProductionMutation,
    DocumentMutation,
):
    pass


NODE_TYPES = [Product, Manufacturer, Partner, GroundDroneSpecs, NavalDroneSpecs, SoftwareSpecs]
NODE_TYPES += [QuoteRequest, LicensingCase, RoutingRule, Organisation, Document]


class SchemaSettings(LimitSettings, Protocol):
    @property  # read-only, so that a settings class may narrow it to a Literal
    def market_env(self) -> str: ...


def build_schema(settings: SchemaSettings | None = None) -> strawberry.Schema:
    """The schema with the request limits of `settings` (production defaults without them).
    Introspection is allowed in dev and test only; field suggestions in dev only."""
    env = settings.market_env if settings is not None else "production"
    limits = Limits.from_settings(settings) if settings is not None else Limits()
    max_tokens = settings.graphql_max_tokens if settings is not None else 5000
    # Introspection refused by a validation rule, as Strawberry's DisableIntrospection adds it.
    added_rules = () if env in ("dev", "test") else (NoSchemaIntrospectionCustomRule,)
    # Factories, so each request gets its own extension instances.
    extensions: list[Any] = [
        partial(PreparedParsing, max_tokens),
        partial(LimitedValidation, limits, added_rules),
    ]
    return MarketSchema(
        query=Query,
        mutation=Mutation,
        subscription=Subscription,
        types=NODE_TYPES,
        extensions=extensions,
        config=StrawberryConfig(disable_field_suggestions=env != "dev"),
        execution_context_class=SharedEventExecutionContext,
        scalar_overrides=SCALAR_OVERRIDES,
        dev=env == "dev",
        limits=limits,
        added_rules=added_rules,
    )
