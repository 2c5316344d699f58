"""Which product columns a selection reads: a page reads only those, the rest come back null.

A page of fifty products used to read and decode every column (three JSON documents, three
timestamps, the long description) whatever the query asked for. `FIELD_COLUMNS` names, for
every field of `Product`, the columns that `Product.from_row` and the field's resolver read;
`tests/test_product_columns.py` holds it to the type (every field named) and to the answers
(each field alone on a page equals the same field read by id, which reads every column).

The selection is read from the document itself, fragments included, and every field name under
the list's field counts: a manufacturer's `name` also asks for the product's. That can only
read more than needed, never less.
"""

from collections import OrderedDict
from typing import Any

from graphql import FieldNode, FragmentSpreadNode, InlineFragmentNode, SelectionSetNode
from strawberry.types import Info

FIELD_COLUMNS: dict[str, tuple[str, ...]] = {
    "__typename": (),
    "id": ("id",),
    "name": ("name",),
    "category": ("category",),
    "summary": ("summary",),
    "description": ("description",),
    "controlEntry": ("control_entry",),
    "techTransfer": ("tech_transfer",),
    "unitsAvailable": ("units_available",),
    "leadTimeDays": ("lead_time_days",),
    "unitPriceEur": ("unit_price_eur",),
    "createdAt": ("created_at",),
    "updatedAt": ("updated_at",),
    "publishedAt": ("published_at",),
    "specs": ("category", "specs"),
    "combatRecord": ("combat_record",),
    "manufacturer": ("manufacturer_id",),
    "status": ("status",),
    "unitsReserved": ("units_reserved",),
    "domesticReserve": ("domestic_reserve",),
    "sensitive": ("sensitive",),
    "sensitiveParts": ("sensitive_parts",),
    "exportCentres": ("id",),
    "reviewNote": ("review_note",),
    "releases": ("id",),
    "pendingRevision": ("id",),
    "revisions": ("id",),
    "documents": ("id",),
}

# Parsed documents are cached and reused (schema/document.py), so the same field node comes
# back for every request of a document. Each node is held with its answer, so its id is never
# another node's while the entry lives.
_KEPT = 512
_known: OrderedDict[int, tuple[FieldNode, frozenset[str]]] = OrderedDict()


def selected_columns(info: Info[Any, Any]) -> frozenset[str]:
    """The product columns the selection under this field reads."""
    raw = info._raw_info
    node = raw.field_nodes[0]
    if len(raw.field_nodes) > 1:  # the same field asked twice: merged, computed each time
        return _columns(raw.field_nodes, raw.fragments)
    found = _known.get(id(node))
    if found is None or found[0] is not node:
        found = (node, _columns([node], raw.fragments))
        _known[id(node)] = found
        if len(_known) > _KEPT:
            _known.popitem(last=False)
    return found[1]


def _columns(nodes: list[FieldNode], fragments: dict[str, Any]) -> frozenset[str]:
    names: set[str] = set()
    for node in nodes:
        _collect(node.selection_set, fragments, names, set())
    columns: set[str] = set()
    for name in names:
        columns.update(FIELD_COLUMNS.get(name, ()))
    return frozenset(columns)


def _collect(
    selection_set: SelectionSetNode | None,
    fragments: dict[str, Any],
    names: set[str],
    seen_fragments: set[str],
) -> None:
    if selection_set is None:
        return
    for selection in selection_set.selections:
        if isinstance(selection, FieldNode):
            names.add(selection.name.value)
            _collect(selection.selection_set, fragments, names, seen_fragments)
        elif isinstance(selection, InlineFragmentNode):
            _collect(selection.selection_set, fragments, names, seen_fragments)
        elif isinstance(selection, FragmentSpreadNode):
            name = selection.name.value
            fragment = fragments.get(name)
            if fragment is not None and name not in seen_fragments:
                seen_fragments.add(name)
                _collect(fragment.selection_set, fragments, names, seen_fragments)
