"""The benchmark catalogue generator: shapes, determinism, and a bulk load on both databases."""

from collections import Counter

import pytest
from sqlalchemy import func, select, text

from bench.dataset import AUDIT_ACTION, SEARCH_TRIGGERS, load_dataset
from bench.generate import CatalogueGenerator, quote_count
from bench.rule_generator import TOTAL_RULES
from catalog.core.audit import verify_chain
from catalog.core.countries import DEFAULT_EMBARGOED
from catalog.core.db import Database
from catalog.core.enums import OrgKind, ProductStatus
from catalog.licensing.rules import rule_snapshot
from catalog.models import (
    AuditEvent,
    Country,
    LicensingCase,
    Organisation,
    Product,
    QuoteOffer,
    QuoteRequest,
    Release,
    RoutingRule,
    RuleSetVersion,
)
from catalog.products.specs import validate_combat_record, validate_specs
from tests.search_support import indexed_pairs, live_pairs

SIZE = 400


def _generate(products: int, seed: int) -> tuple[list[dict], list[dict], list[dict]]:
    gen = CatalogueGenerator(products, seed)
    gen.organisations()
    gen.rules()
    products_rows: list[dict] = []
    releases: list[dict] = []
    for batch in gen.product_batches(batch_size=97):
        products_rows += batch.products
        releases += batch.releases
    return products_rows, releases, gen.quotes(quote_count(products)).quotes


def test_same_seed_gives_the_same_catalogue_and_another_seed_does_not() -> None:
    first = _generate(SIZE, seed=7)
    assert first == _generate(SIZE, seed=7)
    other_products = _generate(SIZE, seed=8)[0]
    assert [p["id"] for p in first[0]] != [p["id"] for p in other_products]


def test_specs_and_combat_records_have_the_typed_shapes_of_their_category() -> None:
    products, _, _ = _generate(SIZE, seed=1)
    assert {p["category"] for p in products} == {"GROUND_DRONE", "NAVAL_DRONE", "SOFTWARE"}
    for product in products:
        assert validate_specs(product["category"], product["specs"]) == product["specs"]
        assert validate_combat_record(product["combat_record"]) == product["combat_record"]


def test_partners_are_never_in_embargoed_countries_and_quotes_target_released_products() -> None:
    gen = CatalogueGenerator(SIZE, seed=2)
    orgs = gen.organisations()
    partners = [o for o in orgs if o["kind"] is OrgKind.PARTNER]
    assert len(partners) == 40
    assert not {p["country"] for p in partners} & DEFAULT_EMBARGOED
    assert Counter(o["kind"] for o in orgs)[OrgKind.MANUFACTURER] == 200
    live: dict = {}
    for batch in gen.product_batches(batch_size=100):
        for release in batch.releases:
            if release["revoked_at"] is None:
                live.setdefault(release["product_id"], set()).add(release["country"])
    by_id = {o["id"]: o for o in orgs}
    quotes = gen.quotes(quote_count(SIZE)).quotes
    assert quotes
    for quote in quotes:
        assert by_id[quote["partner_org_id"]]["country"] in live[quote["product_id"]]


async def _count(db: Database, model: type) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_bulk_load_writes_the_catalogue_and_one_chained_audit_event(
    database_url: str,
) -> None:
    db = Database(database_url, pool_size=2)
    try:
        report = await load_dataset(db, SIZE, seed=5)
        assert report.products == SIZE == await _count(db, Product)
        assert report.releases == await _count(db, Release) > SIZE
        assert report.organisations == await _count(db, Organisation) == 242
        assert await _count(db, RoutingRule) == report.rules == TOTAL_RULES == 200
        assert await _count(db, RuleSetVersion) == 1
        async with db.read() as session:
            stored_rules = list(await session.scalars(select(RoutingRule)))
            version = await session.scalar(select(RuleSetVersion))
        assert version is not None and version.version == 1
        # The snapshot that routes quotes holds exactly the rules loaded, field for field.
        by_id = {snapshot["id"]: snapshot for snapshot in version.rules}
        assert len(by_id) == len(version.rules) == TOTAL_RULES
        assert by_id == {str(rule.id): rule_snapshot(rule) for rule in stored_rules}
        assert all(rule.active for rule in stored_rules)
        assert report.quotes == await _count(db, QuoteRequest) == quote_count(SIZE)
        assert await _count(db, LicensingCase) == report.quotes  # no quote without a case
        async with db.read() as session:
            partner_countries = set(
                await session.scalars(
                    select(Organisation.country)
                    .join(Country, Country.code == Organisation.country)
                    .where(Organisation.kind == OrgKind.PARTNER, Country.partner.is_(False))
                )
            )
            quotes = list(await session.scalars(select(QuoteRequest)))
            products = {p.id: p for p in await session.scalars(select(Product))}
            offers = list(await session.scalars(select(QuoteOffer)))
        assert partner_countries == set()  # every bench partner's country is on the list
        offered = {q.id for q in quotes if q.offer_revision == 1}
        assert report.offers == len(offers) and {o.quote_request_id for o in offers} == offered
        for product in products.values():
            accepted = [q for q in quotes if q.product_id == product.id and q.status == "ACCEPTED"]
            assert product.units_reserved == sum(q.quantity for q in accepted)
            assert product.units_available >= 0
        async with db.read() as session:
            indexed = await session.scalar(text("SELECT count(*) FROM product_search"))
        assert indexed == SIZE  # the search index covers the bulk-loaded products
        # ...and their releases, for narrowing a partner's matches (migration 0014)
        assert await indexed_pairs(db) == await live_pairs(db)
        if db.dialect == "postgresql":  # its per-row search triggers are back on after the load
            async with db.read() as session:
                states = [
                    await session.scalar(
                        text("SELECT tgenabled::text FROM pg_trigger WHERE tgname = :name"),
                        {"name": name},
                    )
                    for name in SEARCH_TRIGGERS.values()
                ]
            assert states == ["O"] * len(SEARCH_TRIGGERS)
        async with db.read() as session:
            chain = await verify_chain(session)
            actions = list(await session.scalars(select(AuditEvent.action)))
            stored_ids = set(await session.scalars(select(Product.id)))
            published = await session.scalar(
                select(func.count()).where(Product.status == ProductStatus.PUBLISHED)
            )
        assert chain.ok and chain.length == 1
        assert actions == [AUDIT_ACTION]
        assert stored_ids == {p["id"] for p in _generate(SIZE, seed=5)[0]}
        assert published and published > SIZE // 2
        with pytest.raises(RuntimeError, match="already holds"):
            await load_dataset(db, 10, seed=5)
    finally:
        await db.dispose()
