"""`node(id:)`: any object by global ID, with the same visibility as its own query."""

from typing import Any

import strawberry
from strawberry.types import Info

from catalog.core.enums import OrgKind
from schema.context import Context
from schema.documents.types import load_document
from schema.licensing.types import load_case, load_rule
from schema.loaders import organisation_loader
from schema.organisations.onboarding import Organisation
from schema.organisations.types import Manufacturer
from schema.permissions import require
from schema.products.types import load_visible_product
from schema.quotes.types import load_quote
from schema.relay import Node, parse_global_id


async def resolve_node(info: Info[Context, Any], global_id: str) -> Node | None:
    parsed = parse_global_id(global_id)
    if parsed is None:
        return None
    type_name, object_id = parsed
    if type_name == "Product":
        return await load_visible_product(info, object_id)
    if type_name == "Manufacturer":
        org = await organisation_loader(info).load(object_id)
        if org is not None and org.kind is OrgKind.MANUFACTURER:
            return Manufacturer.from_row(org)
    if type_name == "Organisation" and info.context.principal.has_scope("organisations:manage"):
        org = await organisation_loader(info).load(object_id)
        return Organisation.from_row(org) if org is not None else None
    if type_name == "QuoteRequest" and info.context.principal.has_scope("quotes:read"):
        return await load_quote(info, object_id)
    if type_name == "LicensingCase" and info.context.principal.has_scope("licensing:review"):
        return await load_case(info, object_id)
    if type_name == "Document":
        return await load_document(info, object_id)
    if type_name == "RoutingRule" and info.context.principal.has_scope("licensing:rules"):
        return await load_rule(info, object_id)
    return None


@strawberry.type
class NodeQuery:
    @strawberry.field(description="An object by global ID; null when absent or not visible.")
    async def node(self, info: Info[Context, Any], id: strawberry.ID) -> Node | None:
        require(info, "catalog:read")
        return await resolve_node(info, id)
