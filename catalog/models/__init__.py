"""All tables of the service. Importing this package registers them on SQLModel.metadata."""

from catalog.models.licensing import CaseDecision, LicensingCase, RoutingRule, RuleSetVersion
from catalog.models.oauth import OAuthClient, RevokedToken, SigningKey
from catalog.models.organisations import Country, Organisation
from catalog.models.products import Product, Release
from catalog.models.quotes import QuoteOffer, QuoteRequest
from catalog.models.records import AuditEvent, OutboxCursor, OutboxEvent
from catalog.models.revisions import ProductRevision
from catalog.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint

__all__ = [
    "AuditEvent",
    "CaseDecision",
    "Country",
    "DeliveryStatus",
    "LicensingCase",
    "OAuthClient",
    "Organisation",
    "OutboxCursor",
    "OutboxEvent",
    "Product",
    "ProductRevision",
    "QuoteOffer",
    "QuoteRequest",
    "Release",
    "RevokedToken",
    "RoutingRule",
    "RuleSetVersion",
    "SigningKey",
    "WebhookDelivery",
    "WebhookEndpoint",
]
