"""The export-control invariants of a quote, evaluated in the caller's transaction.

A quote may go further (be approved, offered on, accepted) only while:
- its product is visible to its partner: `visible_products` of `catalog/visibility.py`, asked
  as the partner organisation is now (PUBLISHED, a live release to the partner's country, the
  partner VETTED, its country on the partner-country list and not embargoed);
- the delivery country is not embargoed and is on the partner-country list;
- an export centre it is delivered through is OPEN with DELIVERY, and its country (a transit
  country) is neither embargoed nor off the partner-country list;
- no export freeze (the domestic priority) covers its product's category or control entry;
- (for approving, offering and accepting) the units are within the surplus still available
  (the domestic reserve is never part of it).

`export_blockers` names what forbids it now, as cause flags. The visibility predicate decides;
the causes only name which part of it failed (an expired release counts as revoked). Every
step calls `require_exportable`; `catalog/licensing/holds.py` puts cases on hold with the same
causes when a write makes one appear, and resumes them when it is lifted.

A new cause is one more `Cause` in `CAUSES` (the domestic export freeze is one).
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlmodel import col

from catalog.access import organisation_as_caller
from catalog.core.enums import CaseStatus, CentreService, CentreStatus, ProductStatus, VettingStatus
from catalog.core.errors import Codes, DomainError
from catalog.models import Country, ExportCentre, LicensingCase, Organisation, Product, QuoteRequest
from catalog.models.base import utcnow
from catalog.programme.coverage import DOMESTIC_PRIORITY, freezes_covering
from catalog.programme.coverage import PUBLIC_REASON as FROZEN_REASON
from catalog.visibility import live_release_to, visible_products

RELEASE_REVOKED = "RELEASE_REVOKED"
PRODUCT_SUSPENDED = "PRODUCT_SUSPENDED"
PRODUCT_WITHDRAWN = "PRODUCT_WITHDRAWN"
PARTNER_SUSPENDED = "PARTNER_SUSPENDED"
EMBARGOED = "EMBARGOED"
NOT_A_PARTNER_COUNTRY = "NOT_A_PARTNER_COUNTRY"
# The export centre a quote is delivered through is no longer OPEN with DELIVERY.
EXPORT_CENTRE_UNAVAILABLE = "EXPORT_CENTRE_UNAVAILABLE"
# The predicate hides the product but no known cause explains why: still a blocker.
NOT_VISIBLE = "NOT_VISIBLE"


@dataclass(frozen=True)
class QuoteState:
    """What the causes look at, read in the caller's transaction."""

    quote: QuoteRequest
    product: Product
    partner: Organisation
    partner_country: Country
    delivery: Country
    now: datetime
    # The export centre the delivery goes through and its country (None: direct delivery).
    centre: ExportCentre | None = None
    transit: Country | None = None


Check = Callable[[AsyncSession, QuoteState], Awaitable[bool]]


@dataclass(frozen=True)
class Cause:
    flag: str
    # Whether the cause is part of the visibility predicate (named only when it hides the product).
    hides_product: bool
    check: Check
    public_reason: str  # what the partner is told
    describe: Callable[[QuoteState], str]  # what officers and manufacturers are told


async def _withdrawn(_: AsyncSession, state: QuoteState) -> bool:
    return state.product.status is ProductStatus.WITHDRAWN


async def _suspended(_: AsyncSession, state: QuoteState) -> bool:
    return state.product.status is ProductStatus.SUSPENDED


async def _no_live_release(session: AsyncSession, state: QuoteState) -> bool:
    live = await session.scalar(
        select(col(Product.id)).where(
            col(Product.id) == state.product.id, live_release_to(state.partner.country, state.now)
        )
    )
    return live is None


async def _partner_not_vetted(_: AsyncSession, state: QuoteState) -> bool:
    return state.partner.vetting is not VettingStatus.VETTED


async def _partner_country_embargoed(_: AsyncSession, state: QuoteState) -> bool:
    return state.partner_country.embargoed


async def _partner_country_off_list(_: AsyncSession, state: QuoteState) -> bool:
    return not state.partner_country.partner


async def _delivery_embargoed(_: AsyncSession, state: QuoteState) -> bool:
    return state.delivery.embargoed


async def _delivery_off_list(_: AsyncSession, state: QuoteState) -> bool:
    return not state.delivery.partner


async def _transit_embargoed(_: AsyncSession, state: QuoteState) -> bool:
    return state.transit is not None and state.transit.embargoed


async def _transit_off_list(_: AsyncSession, state: QuoteState) -> bool:
    return state.transit is not None and not state.transit.partner


async def _centre_unavailable(_: AsyncSession, state: QuoteState) -> bool:
    centre = state.centre
    return centre is not None and (
        centre.status is not CentreStatus.OPEN or CentreService.DELIVERY not in centre.services
    )


async def _frozen(session: AsyncSession, state: QuoteState) -> bool:
    return bool(await freezes_covering(session, state.product))


CAUSES: tuple[Cause, ...] = (
    Cause(
        PRODUCT_WITHDRAWN,
        True,
        _withdrawn,
        "The manufacturer withdrew the listing.",
        lambda s: f"the product {s.product.name} was withdrawn",
    ),
    Cause(
        PRODUCT_SUSPENDED,
        True,
        _suspended,
        "The listing is suspended.",
        lambda s: f"the product {s.product.name} is suspended",
    ),
    Cause(
        PARTNER_SUSPENDED,
        True,
        _partner_not_vetted,
        "Your organisation is not vetted at present.",
        lambda s: f"the partner {s.partner.name} is {s.partner.vetting}, not VETTED",
    ),
    Cause(
        EMBARGOED,
        True,
        _partner_country_embargoed,
        "An arms embargo applies to a country of this request.",
        lambda s: f"the partner's country {s.partner.country} is under an arms embargo",
    ),
    Cause(
        NOT_A_PARTNER_COUNTRY,
        True,
        _partner_country_off_list,
        "A country of this request is not a partner country of the programme.",
        lambda s: f"the partner's country {s.partner.country} is not a partner country",
    ),
    Cause(
        RELEASE_REVOKED,
        True,
        _no_live_release,
        "The product is no longer released to your country.",
        lambda s: f"the product is no longer released to {s.partner.country} (revoked or expired)",
    ),
    Cause(
        EMBARGOED,
        False,
        _delivery_embargoed,
        "An arms embargo applies to a country of this request.",
        lambda s: f"the delivery country {s.delivery.code} is under an arms embargo",
    ),
    Cause(
        NOT_A_PARTNER_COUNTRY,
        False,
        _delivery_off_list,
        "A country of this request is not a partner country of the programme.",
        lambda s: f"the delivery country {s.delivery.code} is not a partner country",
    ),
    Cause(
        EMBARGOED,
        False,
        _transit_embargoed,
        "An arms embargo applies to a country of this request.",
        lambda s: (
            f"the transit country {s.transit.code if s.transit else ''} is under an arms embargo"
        ),
    ),
    Cause(
        NOT_A_PARTNER_COUNTRY,
        False,
        _transit_off_list,
        "A country of this request is not a partner country of the programme.",
        lambda s: (
            f"the transit country {s.transit.code if s.transit else ''} is not a partner country"
        ),
    ),
    Cause(
        EXPORT_CENTRE_UNAVAILABLE,
        False,
        _centre_unavailable,
        "The export centre of this delivery is not delivering at present.",
        lambda s: f"the export centre {s.centre.name if s.centre else ''} is not open for delivery",
    ),
    Cause(
        DOMESTIC_PRIORITY,
        False,
        _frozen,
        FROZEN_REASON,
        lambda s: f"an export freeze covers {s.product.category} {s.product.control_entry}",
    ),
)


async def _always(_: AsyncSession, __: QuoteState) -> bool:
    return True


UNEXPLAINED = Cause(
    NOT_VISIBLE,
    True,
    _always,
    "The product is not available to your organisation at present.",
    lambda s: f"the product is not visible to {s.partner.name}",
)
PUBLIC_REASONS: dict[str, str] = {c.flag: c.public_reason for c in (*CAUSES, UNEXPLAINED)}
CAUSE_FLAGS = frozenset(PUBLIC_REASONS)


async def quote_state(session: AsyncSession, quote: QuoteRequest) -> QuoteState:
    product = await session.get_one(Product, quote.product_id)
    partner = await session.get_one(Organisation, quote.partner_org_id)
    centre = transit = None
    if quote.export_centre_id is not None:
        centre = await session.get_one(ExportCentre, quote.export_centre_id)
        transit = await session.get_one(Country, centre.country)
    return QuoteState(
        quote=quote,
        product=product,
        partner=partner,
        partner_country=await session.get_one(Country, partner.country),
        delivery=await session.get_one(Country, quote.delivery_country),
        now=utcnow(),
        centre=centre,
        transit=transit,
    )


async def _is_visible(session: AsyncSession, state: QuoteState) -> bool:
    """The one visibility predicate, asked as the partner organisation is now."""
    principal = organisation_as_caller(state.partner, subject="system:export-control")
    found = await session.scalar(
        select(col(Product.id)).where(
            col(Product.id) == state.product.id, visible_products(principal, now=state.now)
        )
    )
    return found is not None


async def _causes(session: AsyncSession, state: QuoteState) -> list[Cause]:
    visible = await _is_visible(session, state)
    found = [
        cause
        for cause in CAUSES
        if (not visible or not cause.hides_product) and await cause.check(session, state)
    ]
    if not visible and not any(c.hides_product for c in found):
        found.insert(0, UNEXPLAINED)
    return found


def _flags(causes: list[Cause]) -> list[str]:
    return list(dict.fromkeys(c.flag for c in causes))


async def export_blockers(session: AsyncSession, quote: QuoteRequest) -> list[str]:
    """The cause flags that forbid the quote from going further now (empty: none)."""
    return _flags(await _causes(session, await quote_state(session, quote)))


def public_reason(causes: list[str]) -> str | None:
    """Partner-safe wording for the causes holding (or closing) a quote."""
    fallback = UNEXPLAINED.public_reason
    return " ".join(dict.fromkeys(PUBLIC_REASONS.get(c, fallback) for c in causes)) or None


async def require_exportable(
    session: AsyncSession, quote: QuoteRequest, case: LicensingCase
) -> None:
    """Refuse (NOT_ALLOWED, nothing written) while the case is on hold or any cause forbids
    the quote from going further."""
    state = await quote_state(session, quote)
    causes = await _causes(session, state)
    words = "; ".join(dict.fromkeys(c.describe(state) for c in causes))
    if case.status is CaseStatus.ON_HOLD:
        held = ", ".join(case.hold_causes)
        raise DomainError.one(
            f"the licensing case is on hold ({held})" + (f": {words}" if words else ""),
            Codes.NOT_ALLOWED,
        )
    if causes:
        raise DomainError.one(f"not allowed now: {words}", Codes.NOT_ALLOWED)


class HasUnits(Protocol):
    @property
    def units_available(self) -> int: ...


def require_units(product: HasUnits, quantity: int) -> None:
    """The quantity must be within the surplus still available for export."""
    if quantity > product.units_available:
        raise DomainError.one(
            f"only {product.units_available} units are available for export",
            Codes.INSUFFICIENT_UNITS,
            "quantity",
        )
