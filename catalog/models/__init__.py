"""All tables of the service. Importing this package registers them on SQLModel.metadata."""

from catalog.models.documents import Document, DocumentBlob
from catalog.models.licensing import CaseDecision, LicensingCase, RoutingRule, RuleSetVersion
from catalog.models.oauth import OAuthClient, RevokedToken, SigningKey
from catalog.models.organisations import Country, Officer, Organisation
from catalog.models.products import Product, Release
from catalog.models.programme import (
    CoProductionRequest,
    ExportCentre,
    ExportFreeze,
    ProductExportCentre,
    ProductionLine,
)
from catalog.models.quotes import QuoteOffer, QuoteRequest
from catalog.models.records import (
    AuditEvent,
    AuditPending,
    OutboxCursor,
    OutboxEvent,
)
from catalog.models.revisions import ProductRevision
from catalog.models.webhooks import DeliveryStatus, WebhookDelivery, WebhookEndpoint

__all__ = [
    "AuditEvent",
    "AuditPending",
    "CaseDecision",
    "CoProductionRequest",
    "Country",
    "DeliveryStatus",
    "Document",
    "DocumentBlob",
    "ExportCentre",
    "ExportFreeze",
    "LicensingCase",
    "OAuthClient",
    "Officer",
    "Organisation",
    "OutboxCursor",
    "OutboxEvent",
    "Product",
    "ProductExportCentre",
    "ProductRevision",
    "ProductionLine",
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
