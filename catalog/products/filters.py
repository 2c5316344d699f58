"""Filters shared by product listings and search, as plain data and SQL clauses."""

import uuid
from dataclasses import dataclass

from sqlalchemy import ColumnElement, func
from sqlmodel import col

from catalog.core.enums import ProductCategory, ProductStatus, TechTransfer
from catalog.models import Product


@dataclass(frozen=True, slots=True)
class ProductFilter:
    category: ProductCategory | None = None
    control_entry_prefix: str | None = None
    manufacturer_id: uuid.UUID | None = None
    tech_transfer: TechTransfer | None = None
    min_units_available: int | None = None
    text: str | None = None
    # Narrows within what the caller may see; it never widens visibility.
    status: ProductStatus | None = None


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def filter_clauses(product_filter: ProductFilter | None) -> list[ColumnElement[bool]]:
    """SQL clauses for the filter; `text` is a case-insensitive substring of name or summary."""
    if product_filter is None:
        return []
    f = product_filter
    clauses: list[ColumnElement[bool]] = []
    if f.category is not None:
        clauses.append(col(Product.category) == f.category)
    if f.control_entry_prefix:
        raw = f.control_entry_prefix.strip()
        prefix = _escape_like(raw[:2].upper() + raw[2:])
        clauses.append(col(Product.control_entry).like(f"{prefix}%", escape="\\"))
    if f.manufacturer_id is not None:
        clauses.append(col(Product.manufacturer_id) == f.manufacturer_id)
    if f.tech_transfer is not None:
        clauses.append(col(Product.tech_transfer) == f.tech_transfer)
    if f.min_units_available is not None:
        clauses.append(col(Product.units_available) >= f.min_units_available)
    if f.status is not None:
        clauses.append(col(Product.status) == f.status)
    if f.text:
        pattern = f"%{_escape_like(f.text.lower())}%"
        clauses.append(
            func.lower(Product.name).like(pattern, escape="\\")
            | func.lower(Product.summary).like(pattern, escape="\\")
        )
    return clauses
