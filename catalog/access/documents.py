"""Documents: who attaches datasheets, end-user certificates, licences and offers, and when."""

from dataclasses import dataclass

from catalog.access.callers import _refuse_unless, is_active_partner
from catalog.core.enums import CaseStatus, DocumentKind, OrgKind, QuoteStatus
from catalog.core.principal import Principal
from catalog.models import QuoteRequest

# Case statuses in which the partner may still attach an end-user certificate (undecided).
EUC_OPEN_CASE_STATUSES = frozenset({CaseStatus.OPEN, CaseStatus.INFO_REQUESTED, CaseStatus.ON_HOLD})


@dataclass(frozen=True)
class UploadRule:
    kind: OrgKind  # the organisation that attaches this kind
    scope: str  # the scope its caller must hold
    on_product: bool  # attached to a product (else to a quote)


DOCUMENT_UPLOADS: dict[DocumentKind, UploadRule] = {
    DocumentKind.DATASHEET: UploadRule(OrgKind.MANUFACTURER, "products:write", True),
    DocumentKind.END_USER_CERTIFICATE: UploadRule(OrgKind.PARTNER, "quotes:request", False),
    DocumentKind.LICENCE: UploadRule(OrgKind.LICENSING, "licensing:review", False),
    DocumentKind.OFFER: UploadRule(OrgKind.MANUFACTURER, "quotes:respond", False),
}


def require_document_uploader(principal: Principal, kind: DocumentKind) -> UploadRule:
    """The organisation kind that attaches documents of this kind (the entity is checked by
    `document_target_allows`)."""
    rule = DOCUMENT_UPLOADS[kind]
    allowed = principal.kind is rule.kind and principal.org_id is not None
    if rule.kind is OrgKind.PARTNER:
        allowed = allowed and is_active_partner(principal)
    _refuse_unless(allowed, f"{kind} documents are attached by {rule.kind.lower()} organisations")
    return rule


def document_target_allows(kind: DocumentKind, quote: QuoteRequest, case: CaseStatus) -> bool:
    """Whether a quote and its case, as they are now, take a document of this kind: an
    end-user certificate until the case is decided, a licence once it is approved, an offer
    document while the quote is licensed or offered."""
    if kind is DocumentKind.END_USER_CERTIFICATE:
        return case in EUC_OPEN_CASE_STATUSES
    if kind is DocumentKind.LICENCE:
        return case is CaseStatus.APPROVED
    if kind is DocumentKind.OFFER:
        return quote.status in (QuoteStatus.LICENSED, QuoteStatus.OFFERED)
    return False
