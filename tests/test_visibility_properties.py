"""Property: for random catalogues, releases and callers, what each caller can list, fetch by id
and reach through nested fields is exactly the set the visibility rules allow.

The schema is executed in-process with a Principal built from the organisation record (the HTTP
and token path is covered by the journey tests); everything below the transport is real.
"""

import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from api.settings import Settings
from catalog.core.db import Database
from catalog.core.enums import (
    SCOPES_BY_KIND,
    OrgKind,
    ProductCategory,
    ProductStatus,
    TechTransfer,
    VettingStatus,
)
from catalog.core.principal import SYSTEM, Principal
from catalog.core.transactions import write
from catalog.models import Organisation, Product, Release
from catalog.models.base import utcnow
from schema import schema
from schema.context import Context
from schema.relay import to_global_id

# BY is embargoed in the reference data; JP is not on the programme's partner-country list.
COUNTRIES = ["PL", "DE", "BY", "JP"]
PARTNER_COUNTRIES = {"PL", "DE"}
RELEASE_STATES = ["none", "live", "revoked", "expired"]
counter = itertools.count()


@dataclass(frozen=True)
class ProductSpec:
    maker: int
    status: ProductStatus
    releases: tuple[str, ...]  # one release state per country in COUNTRIES


products_strategy = st.lists(
    st.builds(
        ProductSpec,
        maker=st.integers(0, 1),
        status=st.sampled_from(list(ProductStatus)),
        releases=st.tuples(*[st.sampled_from(RELEASE_STATES)] * len(COUNTRIES)),
    ),
    min_size=1,
    max_size=6,
)
PARTNERS = [
    ("PL", VettingStatus.VETTED),
    ("PL", VettingStatus.SUSPENDED),
    ("DE", VettingStatus.VETTED),
    ("DE", VettingStatus.PENDING),
    ("BY", VettingStatus.VETTED),
    ("JP", VettingStatus.VETTED),
]


def expected_visible(
    caller: Organisation, product: Product, spec: ProductSpec, makers: list[Organisation]
) -> bool:
    """The contract's visibility rules, written independently of catalog/visibility.py."""
    if caller.kind in (OrgKind.CURATOR, OrgKind.LICENSING):
        return True
    if caller.kind is OrgKind.MANUFACTURER:
        return makers[spec.maker].id == caller.id
    if caller.vetting is not VettingStatus.VETTED or caller.country not in PARTNER_COUNTRIES:
        return False
    state = dict(zip(COUNTRIES, spec.releases, strict=True))[caller.country]
    return spec.status is ProductStatus.PUBLISHED and state == "live"


def principal_of(org: Organisation) -> Principal:
    return Principal.for_organisation(
        org, subject=f"test:{org.slug}", scopes=SCOPES_BY_KIND[org.kind]
    )


async def _build(
    db: Database, specs: list[ProductSpec]
) -> tuple[list[Organisation], list[Organisation], list[Product]]:
    run = next(counter)
    now = utcnow()
    makers = [
        Organisation(
            slug=f"m{run}-{i}",
            name=f"Maker {run}-{i}",
            kind=OrgKind.MANUFACTURER,
            country="UA",
            vetting=VettingStatus.VETTED,
        )
        for i in range(2)
    ]
    callers = [
        Organisation(
            slug=f"p{run}-{i}", name=f"Partner {i}", kind=OrgKind.PARTNER, country=c, vetting=v
        )
        for i, (c, v) in enumerate(PARTNERS)
    ]
    callers += makers
    callers.append(
        Organisation(
            slug=f"c{run}",
            name="Curator",
            kind=OrgKind.CURATOR,
            country="UA",
            vetting=VettingStatus.VETTED,
        )
    )
    callers.append(
        Organisation(
            slug=f"l{run}",
            name="Licensing",
            kind=OrgKind.LICENSING,
            country="UA",
            vetting=VettingStatus.VETTED,
        )
    )
    products = []
    async with write(db, SYSTEM) as tx:
        tx.session.add_all(makers + [c for c in callers if c not in makers])
        await tx.session.flush()
        for index, spec in enumerate(specs):
            product = Product(
                manufacturer_id=makers[spec.maker].id,
                sku=f"S{index}",
                name=f"Item {index}",
                category=ProductCategory.GROUND_DRONE,
                summary="s",
                control_entry="ML6",
                tech_transfer=TechTransfer.NONE,
                units_available=1,
                status=spec.status,
            )
            tx.session.add(product)
            products.append(product)
            await tx.session.flush()
            for country, state in zip(COUNTRIES, spec.releases, strict=True):
                if state == "none":
                    continue
                tx.session.add(
                    Release(
                        product_id=product.id,
                        country=country,
                        released_by_org_id=callers[-2].id,
                        revoked_at=now if state == "revoked" else None,
                        expires_at=now - timedelta(days=1) if state == "expired" else None,
                    )
                )
        tx.audit("test.catalogue", "Test", str(run))
    return makers, callers, products


QUERY = """query($m0: ID!, $m1: ID!, $g0: ID!, $g1: ID!) {
  l0: products(first: 100, filter: {manufacturerId: $m0}) { totalCount edges { node { id } } }
  l1: products(first: 100, filter: {manufacturerId: $m1}) { totalCount edges { node { id } } }
  n0: node(id: $g0) { ... on Manufacturer { products(first: 100) { id } } }
  n1: node(id: $g1) { ... on Manufacturer { products(first: 100) { id } } }
}"""


async def _reachable(
    db: Database, caller: Organisation, makers: list[Organisation], products: list[Product]
) -> dict[str, set[str]]:
    context = Context(
        request=None, response=None, db=db, principal=principal_of(caller), settings=Settings()
    )  # type: ignore[arg-type]
    gids = [to_global_id("Manufacturer", m.id) for m in makers]
    variables = {"m0": gids[0], "m1": gids[1], "g0": gids[0], "g1": gids[1]}
    result = await schema.execute(QUERY, variable_values=variables, context_value=context)
    data: dict[str, Any] = result.data or {}
    if caller.kind is OrgKind.PARTNER and caller.vetting is not VettingStatus.VETTED:
        assert result.data is None  # may read `me` and nothing else
        assert {e.extensions["code"] for e in result.errors or []} == {"FORBIDDEN"}
        return {"listed": set(), "counted": set(), "nested": set(), "by_id": set()}
    assert not result.errors, result.errors
    listed = {e["node"]["id"] for key in ("l0", "l1") for e in data[key]["edges"]}
    assert data["l0"]["totalCount"] + data["l1"]["totalCount"] == len(listed)
    nested = {p["id"] for key in ("n0", "n1") for p in (data[key] or {}).get("products", [])}
    by_id = set()
    for product in products:
        gid = to_global_id("Product", product.id)
        single = await schema.execute(
            "query($id: ID!) { product(id: $id) { id } node(id: $id) { id } }",
            variable_values={"id": gid},
            context_value=context,
        )
        assert not single.errors
        assert single.data is not None
        assert (single.data["product"] is None) == (single.data["node"] is None)
        if single.data["product"] is not None:
            by_id.add(gid)
    return {"listed": listed, "nested": nested, "by_id": by_id}


@settings(
    max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(specs=products_strategy)
async def test_every_path_shows_exactly_what_the_rules_allow(
    db: Database, specs: list[ProductSpec]
) -> None:
    makers, callers, products = await _build(db, specs)
    for caller in callers:
        expected = {
            to_global_id("Product", product.id)
            for product, spec in zip(products, specs, strict=True)
            if expected_visible(caller, product, spec, makers)
        }
        reached = await _reachable(db, caller, makers, products)
        for path in ("listed", "nested", "by_id"):
            assert reached[path] == expected, (caller.slug, caller.kind, caller.vetting, path)
