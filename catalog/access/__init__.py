"""Who may see or do what: the access model of the catalogue in one place.

Which products a caller sees is the one predicate `visible_products` in `catalog/visibility.py`;
every other rule of the form "may this caller read or change that" is here, and the domain
modules call these functions instead of comparing organisation kinds themselves. The GraphQL
layer checks token scopes first (`schema/permissions.py`); the rules here look at the
organisation behind the caller, as the database holds it now. A refusal is a `FORBIDDEN`
domain error; an object the caller may not see is "not found" instead.

Callers
- A partner is *active* while its organisation is VETTED. A partner that is not may ask who it
  is and nothing else (`reads_beyond_me`).

Products
- Manufacturers create, edit, submit and withdraw their own listings (`require_manufacturer`).
- Curators publish, ask for changes and suspend listings (`require_listing_curator`) and decide
  which countries a listing is released to (`require_release_curator`).
- Release lists, status and review notes are for curators, licensing and the owning
  manufacturer (`sees_release_lists`), and so are the units reserved by accepted quotes
  (`sees_reserved_units`).
- Revisions proposed for a published listing (`Product.pendingRevision`, `Product.revisions`)
  are for the owning manufacturer, curators and licensing (`sees_revisions`); curators alone
  approve or reject them (`require_revision_curator`). A manufacturer edits a listing's content
  directly while it is a draft, submitted or sent back for changes; once published, edits
  become revisions (the workflow is `catalog/products/revisions.py`).

Organisations and countries
- Curators vet and suspend partners (`require_vetting_curator`), and onboard organisations and
  their named officers (`require_onboarding_curator`).
- API clients are administered by curators for every organisation, and by a partner or
  manufacturer for itself (`administers_clients_of`, `require_client_admin`).
- Curators keep the programme's partner-country list (`require_partner_list_curator`);
  licensing officers impose and lift embargoes (`require_embargo_officer`).

Quotes
- A quote is seen by the partner that asked (while active), the product's manufacturer and
  licensing officers (`visible_quotes`).
- Active partners request quotes (`require_active_partner`), re-checked against the
  organisation row inside the quote's transaction (`require_vetted_partner`).
- The requesting partner withdraws, answers information requests, accepts and declines
  (`require_requesting_partner`); the product's manufacturer makes the offer
  (`require_offering_manufacturer`). Which quote each may touch is `visible_quotes`.
- The partner's own notes are for the partner and licensing, not the manufacturer
  (`sees_partner_notes`); an offer under licensing review is for the manufacturer and
  licensing until it reaches the partner (`sees_pending_offers`).

Licensing
- Cases are seen and worked by licensing officers only (`sees_cases`, `require_officer`);
  decisions are made by named people (`require_named_officer`: a client or external identity
  bound to an officer), and cases are assigned to officers of a licensing organisation
  (`is_case_officer`).
- Routing rules are read and changed by licensing officers only (`sees_routing_rules`,
  `require_rules_officer`), who alone simulate routing (`require_simulation_officer`).

Documents
- A document is seen by whoever sees its entity, narrowed by kind (`visible_documents`, in
  catalog/visibility.py). Who attaches which kind, to what and when: `DOCUMENT_UPLOADS`,
  `require_document_uploader`, `document_target_allows` (README, "Documents").

Audit log
- Read by curators and licensing officers (`require_audit_reader`). An event's payload is shown
  only to a reader who could read the entity it describes (`reads_audit_payload`): quotes and
  documents need `quotes:read`, cases and co-production requests `licensing:review`, routing rules
  `licensing:rules`, partner organisations `partners:vet`, webhooks their own organisation;
  export freezes, centres and production lines `catalog:read`; others see that the event
  happened, when and by whom.

Webhooks
- An organisation that may read beyond itself registers endpoints for itself
  (`require_webhook_owner`).
- `WEBHOOK_EVENTS` names, per event, the kinds of organisation that may subscribe and the scope
  the subscribing caller must hold (`may_subscribe`):
  `product.changed`: curators (every product) and manufacturers (their own products);
  `quote.changed`: the partner that asked, the product's manufacturer, licensing;
  `licensing_case.changed`: licensing officers.
  `catalogue.changed`: partners, about products that become visible or invisible to them or
  change while visible (`catalogue_change`).
- An event is delivered only to an organisation of such a kind (`hears`) that may still read
  (`may_receive`) and that could read the object through GraphQL with every scope its kind may
  hold (`receiver`).

Live updates (GraphQL subscriptions)
- A subscription delivers an event only while its caller may still read beyond itself
  (`keeps_live_access`): the token, its client and the organisation are checked again for every
  event. Each subscription then shows only what the same query would: quotes by
  `visible_quotes`, cases to officers, products by `visible_products`.
- `catalogueChanged` is for partners (`hears_catalogue`): a product is ADDED when it becomes
  visible to the partner, UPDATED when it changes while visible, REMOVED when it stops being
  visible, and nothing is said about products the partner neither saw nor sees
  (`catalogue_change`).
"""

from catalog.access.callers import (
    is_active_partner as is_active_partner,
)
from catalog.access.callers import (
    reads_beyond_me as reads_beyond_me,
)
from catalog.access.documents import (
    DOCUMENT_UPLOADS as DOCUMENT_UPLOADS,
)
from catalog.access.documents import (
    EUC_OPEN_CASE_STATUSES as EUC_OPEN_CASE_STATUSES,
)
from catalog.access.documents import (
    UploadRule as UploadRule,
)
from catalog.access.documents import (
    document_target_allows as document_target_allows,
)
from catalog.access.documents import (
    require_document_uploader as require_document_uploader,
)
from catalog.access.licensing import (
    AUDIT_PAYLOAD_SCOPES as AUDIT_PAYLOAD_SCOPES,
)
from catalog.access.licensing import (
    is_case_officer as is_case_officer,
)
from catalog.access.licensing import (
    reads_audit_payload as reads_audit_payload,
)
from catalog.access.licensing import (
    require_audit_reader as require_audit_reader,
)
from catalog.access.licensing import (
    require_named_officer as require_named_officer,
)
from catalog.access.licensing import (
    require_officer as require_officer,
)
from catalog.access.licensing import (
    require_rules_officer as require_rules_officer,
)
from catalog.access.licensing import (
    require_simulation_officer as require_simulation_officer,
)
from catalog.access.licensing import (
    sees_cases as sees_cases,
)
from catalog.access.licensing import (
    sees_routing_rules as sees_routing_rules,
)
from catalog.access.live import (
    catalogue_change as catalogue_change,
)
from catalog.access.live import (
    hears_catalogue as hears_catalogue,
)
from catalog.access.live import (
    keeps_live_access as keeps_live_access,
)
from catalog.access.products import (
    administers_clients_of as administers_clients_of,
)
from catalog.access.products import (
    require_client_admin as require_client_admin,
)
from catalog.access.products import (
    require_embargo_officer as require_embargo_officer,
)
from catalog.access.products import (
    require_listing_curator as require_listing_curator,
)
from catalog.access.products import (
    require_manufacturer as require_manufacturer,
)
from catalog.access.products import (
    require_onboarding_curator as require_onboarding_curator,
)
from catalog.access.products import (
    require_partner_list_curator as require_partner_list_curator,
)
from catalog.access.products import (
    require_release_curator as require_release_curator,
)
from catalog.access.products import (
    require_revision_curator as require_revision_curator,
)
from catalog.access.products import (
    require_vetting_curator as require_vetting_curator,
)
from catalog.access.products import (
    sees_release_lists as sees_release_lists,
)
from catalog.access.products import (
    sees_reserved_units as sees_reserved_units,
)
from catalog.access.products import (
    sees_revisions as sees_revisions,
)
from catalog.access.programme import (
    require_centre_curator as require_centre_curator,
)
from catalog.access.programme import (
    require_freeze_officer as require_freeze_officer,
)
from catalog.access.programme import (
    require_report_reader as require_report_reader,
)
from catalog.access.programme import (
    sees_programme_internals as sees_programme_internals,
)
from catalog.access.quotes import (
    REQUEST_QUOTES_REFUSAL as REQUEST_QUOTES_REFUSAL,
)
from catalog.access.quotes import (
    require_active_partner as require_active_partner,
)
from catalog.access.quotes import (
    require_offering_manufacturer as require_offering_manufacturer,
)
from catalog.access.quotes import (
    require_requesting_partner as require_requesting_partner,
)
from catalog.access.quotes import (
    require_vetted_partner as require_vetted_partner,
)
from catalog.access.quotes import (
    sees_partner_notes as sees_partner_notes,
)
from catalog.access.quotes import (
    sees_pending_offers as sees_pending_offers,
)
from catalog.access.quotes import (
    visible_quotes as visible_quotes,
)
from catalog.access.webhooks import (
    WEBHOOK_EVENTS as WEBHOOK_EVENTS,
)
from catalog.access.webhooks import (
    EventRule as EventRule,
)
from catalog.access.webhooks import (
    hears as hears,
)
from catalog.access.webhooks import (
    may_receive as may_receive,
)
from catalog.access.webhooks import (
    may_subscribe as may_subscribe,
)
from catalog.access.webhooks import (
    organisation_as_caller as organisation_as_caller,
)
from catalog.access.webhooks import (
    receiver as receiver,
)
from catalog.access.webhooks import (
    require_webhook_owner as require_webhook_owner,
)
