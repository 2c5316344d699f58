"""The publishing workflow of a listing: manufacturers create, edit, submit and withdraw;
curators publish, ask for changes and suspend. A status change reconciles the product's open
quotes in the same transaction (catalog/licensing/holds.py). A price edit never changes an
existing quote: quotes keep the price they were routed on. Content edits of a published listing
become revisions for a curator to review (catalog/products/revisions.py)."""

import dataclasses
import re
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlmodel import col

from catalog.access import require_listing_curator, require_manufacturer
from catalog.core.db import Database
from catalog.core.enums import ProductCategory, ProductStatus, TechTransfer
from catalog.core.errors import Codes, DomainError, Problem, not_found
from catalog.core.principal import Principal
from catalog.core.transactions import WriteTransaction, write
from catalog.core.validation import check_length, check_range, collect
from catalog.licensing.holds import reconcile
from catalog.models import Product
from catalog.models.base import utcnow
from catalog.products import revisions
from catalog.products.specs import validate_combat_record, validate_specs
from catalog.visibility import visible_products

# Which statuses each workflow step may start from.
TRANSITIONS: dict[str, tuple[frozenset[ProductStatus], ProductStatus]] = {
    "submit": (
        frozenset({ProductStatus.DRAFT, ProductStatus.CHANGES_REQUESTED}),
        ProductStatus.SUBMITTED,
    ),
    "withdraw": (
        frozenset(
            {
                ProductStatus.DRAFT,
                ProductStatus.SUBMITTED,
                ProductStatus.CHANGES_REQUESTED,
                ProductStatus.PUBLISHED,
            }
        ),
        ProductStatus.WITHDRAWN,
    ),
    "publish": (
        frozenset({ProductStatus.SUBMITTED, ProductStatus.SUSPENDED}),
        ProductStatus.PUBLISHED,
    ),
    "request_changes": (frozenset({ProductStatus.SUBMITTED}), ProductStatus.CHANGES_REQUESTED),
    "suspend": (frozenset({ProductStatus.PUBLISHED}), ProductStatus.SUSPENDED),
    # A withdrawn listing comes back as a draft, to be submitted and reviewed again.
    "reopen": (frozenset({ProductStatus.WITHDRAWN}), ProductStatus.DRAFT),
}
# Content edited in place: nothing of it is public yet (a submitted listing is edited while
# the curator has not decided; the curator publishes what is there when they do).
EDITABLE = frozenset(
    {ProductStatus.DRAFT, ProductStatus.SUBMITTED, ProductStatus.CHANGES_REQUESTED}
)
# Fields that change at once in every status: availability and price. Other
# edits of a published or suspended listing become a revision (revisions.REVIEWED).
ALWAYS_EDITABLE = frozenset({"units_available", "unit_price_eur"})
CONTROL_ENTRY_MAX = 16


@dataclass
class ProductDraft:
    """Input for create and update; `None` means "not given" on update."""

    name: str | None = None
    category: ProductCategory | None = None
    summary: str | None = None
    description: str | None = None
    control_entry: str | None = None
    tech_transfer: TechTransfer | None = None
    units_available: int | None = None
    lead_time_days: int | None = None
    unit_price_eur: Decimal | None = None
    specs: dict[str, Any] | None = None
    # The category the specs were given for (createProduct/updateProduct name it by the part
    # they fill); None when the source does not say (the catalogue import).
    specs_category: ProductCategory | None = None
    combat_record: dict[str, Any] | None = None
    sku: str | None = None
    given: set[str] = field(default_factory=set)


def _validate_draft(draft: ProductDraft) -> list[Problem]:
    return collect(
        check_length("name", draft.name, 1, 200),
        check_length("summary", draft.summary, 1, 500),
        check_length("description", draft.description, 0, 10_000),
        check_length("controlEntry", draft.control_entry, 2, CONTROL_ENTRY_MAX),
        check_length("sku", draft.sku, 1, 64),
        check_range("unitsAvailable", draft.units_available, 0, 1_000_000),
        check_range("leadTimeDays", draft.lead_time_days, 0, 3650),
        check_range("unitPriceEur", draft.unit_price_eur, 0, 1_000_000_000),
    )


CONTROL_ENTRY_PATTERN = re.compile(r"ML\d{1,2}(\.[a-z](\.\d{1,2})?)?")


def _normalise_control_entry(value: str) -> str:
    """Military List entries as written in the EU Common Military List, e.g. ML6.a or ML21."""
    value = value.strip()
    value = value[:2].upper() + value[2:]
    if not CONTROL_ENTRY_PATTERN.fullmatch(value):
        raise DomainError.one(
            "controlEntry must be a Military List entry such as ML6, ML9.a or ML21.b",
            Codes.INVALID,
            "controlEntry",
        )
    return value


def new_product(manufacturer_id: uuid.UUID, draft: ProductDraft) -> Product:
    """A validated, normalised DRAFT product (not yet added to a session); raises DomainError
    with every problem found. The one validation for createProduct and the catalogue import."""
    problems = _validate_draft(draft)
    for name, value in (
        ("name", draft.name),
        ("summary", draft.summary),
        ("controlEntry", draft.control_entry),
    ):
        if value is None or not value.strip():
            problems.append(Problem(f"{name} is required", Codes.INVALID, name))
    for name, value in (("category", draft.category), ("techTransfer", draft.tech_transfer)):
        if value is None:
            problems.append(Problem(f"{name} is required", Codes.INVALID, name))
    normalised: dict[str, Any] = {}
    checks: dict[str, Callable[[], Any]] = {
        "control_entry": lambda: _normalise_control_entry(draft.control_entry or ""),
        "combat_record": lambda: validate_combat_record(draft.combat_record),
    }
    category = draft.category
    if category is not None:
        checks["specs"] = lambda: validate_specs(
            category,
            draft.specs,
            given_for=draft.specs_category,
        )
    for name, check in checks.items():
        try:
            normalised[name] = check()
        except DomainError as error:
            problems.extend(error.problems)
    if problems:
        raise DomainError(problems)
    assert draft.category and draft.tech_transfer and draft.name and draft.summary
    return Product(
        manufacturer_id=manufacturer_id,
        sku=(draft.sku or f"SKU-{uuid.uuid4().hex[:10].upper()}").strip(),
        name=draft.name.strip(),
        category=draft.category,
        summary=draft.summary.strip(),
        description=draft.description,
        specs=normalised["specs"],
        combat_record=normalised["combat_record"],
        control_entry=normalised["control_entry"],
        tech_transfer=draft.tech_transfer,
        units_available=draft.units_available or 0,
        lead_time_days=draft.lead_time_days,
        unit_price_eur=draft.unit_price_eur,
        status=ProductStatus.DRAFT,
    )


async def create_product(db: Database, principal: Principal, draft: ProductDraft) -> Product:
    product = new_product(require_manufacturer(principal), draft)
    async with write(db, principal) as tx:
        tx.session.add(product)
        await _flush_unique(tx, "sku")
        tx.audit(
            "product.created", "Product", product.id, {"name": product.name, "sku": product.sku}
        )
        tx.emit("product.changed", "Product", product.id)
    return product


async def _flush_unique(tx: WriteTransaction, field_name: str) -> None:
    from sqlalchemy.exc import IntegrityError

    try:
        async with tx.session.begin_nested():
            await tx.session.flush()
    except IntegrityError as error:
        raise DomainError.one(
            "a product with this SKU already exists", Codes.CONFLICT, field_name
        ) from error


async def visible_for_update(
    tx: WriteTransaction, principal: Principal, product_id: uuid.UUID
) -> Product:
    """The product, locked for update, if the caller may see it; otherwise "not found"."""
    product = await tx.session.scalar(
        select(Product)
        .where(col(Product.id) == product_id, visible_products(principal))
        .with_for_update()
    )
    if product is None:
        raise not_found("product", "productId")
    return product


async def update_product(
    db: Database, principal: Principal, product_id: uuid.UUID, draft: ProductDraft
) -> Product:
    """Edit a listing: in place while nothing of it is public, as a revision for review once
    it is published (units and price change at once either way)."""
    require_manufacturer(principal)
    problems = _validate_draft(draft)
    if problems:
        raise DomainError(problems)
    async with write(db, principal) as tx:
        product = await visible_for_update(tx, principal, product_id)
        reviewed = draft.given - ALWAYS_EDITABLE
        if reviewed and product.status not in EDITABLE | revisions.REVIEWED:
            raise DomainError.one(
                f"only units available and price can change while the product is "
                f"{product.status}; reopen it as a draft to edit the rest",
                Codes.INVALID_TRANSITION,
                revisions.FIELD_NAMES.get(sorted(reviewed)[0], sorted(reviewed)[0]),
            )
        if reviewed and product.status in revisions.REVIEWED:
            pending = await revisions.pending_for_update(tx, product.id)
            proposed = revisions.proposed_copy(product, pending)
            _apply_draft(proposed, dataclasses.replace(draft, given=reviewed))
            await revisions.record(tx, product, proposed, pending)
            draft = dataclasses.replace(draft, given=draft.given & ALWAYS_EDITABLE)
        before = {name: getattr(product, name) for name in draft.given}
        changes = _apply_draft(product, draft)
        if changes or not tx.audits:  # a revision alone leaves the listing as it was
            _record_update(tx, product, before, changes)
    return product


def _record_update(
    tx: WriteTransaction, product: Product, before: dict[str, Any], changes: set[str]
) -> None:
    """Audit an edit in place with each field's old and new value."""
    product.updated_at = utcnow()
    tx.audit(
        "product.updated",
        "Product",
        product.id,
        {
            "changed": sorted(changes),
            "changes": [
                {
                    "field": revisions.FIELD_NAMES.get(name, name),
                    "before": before[name],
                    "after": getattr(product, name),
                }
                for name in sorted(changes)
            ],
        },
    )
    tx.emit("product.changed", "Product", product.id)


def _apply_draft(product: Product, draft: ProductDraft) -> set[str]:
    category = draft.category or product.category
    # Specs kept from before a change of category were given for the old one.
    kept_for = product.category
    changes: set[str] = set()
    for name in draft.given:
        value = getattr(draft, name)
        if name in ("name", "summary") and value is not None:
            value = value.strip()
            if not value:
                raise DomainError.one(f"{name} must not be empty", Codes.INVALID, name)
        if name == "control_entry" and value is not None:
            value = _normalise_control_entry(value)
        if name == "specs":
            value = validate_specs(category, value, given_for=draft.specs_category)
        if name == "combat_record":
            value = validate_combat_record(value)
        if (
            name in ("category", "tech_transfer", "control_entry", "units_available")
            and value is None
        ):
            raise DomainError.one(f"{name} must not be null", Codes.INVALID, name)
        setattr(product, name, value)
        changes.add(name)
    if "category" in draft.given and "specs" not in draft.given:
        kept = {k: v for k, v in (product.specs or {}).items() if v not in (None, [])}
        product.specs = validate_specs(category, kept, given_for=kept_for if kept else None)
    return changes


async def transition(
    db: Database, principal: Principal, product_id: uuid.UUID, step: str, note: str | None = None
) -> Product:
    """Move a product through its workflow; manufacturers act on their own, curators on all."""
    allowed_from, target = TRANSITIONS[step]
    curator_step = step in ("publish", "request_changes", "suspend")
    if curator_step:
        require_listing_curator(principal)
    else:
        require_manufacturer(principal)
    if step in ("request_changes", "suspend"):
        problems = collect(
            check_length("note" if step == "request_changes" else "reason", note, 1, 2000)
        )
        if problems or not (note or "").strip():
            raise DomainError(
                problems or [Problem("a reason is required", Codes.INVALID, "reason")]
            )
    async with write(db, principal) as tx:
        product = await visible_for_update(tx, principal, product_id)
        if product.status not in allowed_from:
            raise DomainError.one(
                f"cannot {step.replace('_', ' ')} a product that is {product.status}",
                Codes.INVALID_TRANSITION,
                "productId",
            )
        previous = product.status
        product.status = target
        product.updated_at = utcnow()
        if target is ProductStatus.PUBLISHED:
            product.published_at = product.published_at or utcnow()
            product.review_note = None
        if note is not None:
            product.review_note = note.strip()
        tx.audit(
            f"product.{step}",
            "Product",
            product.id,
            {"from": previous, "to": target, "note": note},
        )
        tx.emit("product.changed", "Product", product.id)
        if target is ProductStatus.WITHDRAWN:
            await revisions.drop_pending(tx, product)
        # Suspending holds the product's open quotes, withdrawing closes them, publishing
        # again resumes them.
        await reconcile(tx, product_ids=[product.id])
    return product
