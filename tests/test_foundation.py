"""The write helper, the audit chain, the demo seed and the health endpoints."""

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.exc import IntegrityError

from catalog.core.audit import GENESIS_HASH, verify_chain
from catalog.core.db import Database
from catalog.core.enums import OrgKind, VettingStatus
from catalog.core.principal import SYSTEM
from catalog.core.transactions import write
from catalog.demo.seed import seed_demo
from catalog.models import AuditEvent, Organisation, OutboxEvent, Product, Release


async def _count(db: Database, model: type) -> int:
    async with db.read() as session:
        return int(await session.scalar(select(func.count()).select_from(model)) or 0)


async def test_write_commits_business_rows_with_audit_and_outbox(db: Database) -> None:
    async with write(db, SYSTEM) as tx:
        org = Organisation(slug="acme", name="Acme", kind=OrgKind.PARTNER, country="PL")
        tx.session.add(org)
        tx.audit("organisation.created", "Organisation", org.id, {"slug": "acme"})
        tx.emit("organisation.changed", "Organisation", org.id)
    async with db.read() as session:
        events = (await session.execute(select(AuditEvent))).scalars().all()
        outbox = (await session.execute(select(OutboxEvent))).scalars().all()
    assert [e.action for e in events] == ["organisation.created"]
    assert events[0].prev_hash == GENESIS_HASH and events[0].entity_id == str(org.id)
    assert [o.topic for o in outbox] == ["organisation.changed"]


async def test_failed_write_leaves_nothing(db: Database) -> None:
    with pytest.raises(IntegrityError):
        async with write(db, SYSTEM) as tx:
            tx.session.add(Organisation(slug="a", name="A", kind=OrgKind.PARTNER, country="PL"))
            tx.session.add(Organisation(slug="a", name="B", kind=OrgKind.PARTNER, country="DE"))
            tx.audit("organisation.created", "Organisation", "x")
            tx.emit("organisation.changed", "Organisation", "x")
    assert await _count(db, Organisation) == 0
    assert await _count(db, AuditEvent) == 0
    assert await _count(db, OutboxEvent) == 0


async def test_write_without_audit_event_is_refused(db: Database) -> None:
    with pytest.raises(RuntimeError, match="audit"):
        async with write(db, SYSTEM) as tx:
            tx.session.add(Organisation(slug="b", name="B", kind=OrgKind.PARTNER, country="PL"))
    assert await _count(db, Organisation) == 0


async def test_database_enforces_constraints(db: Database) -> None:
    with pytest.raises(IntegrityError):  # unknown country: foreign key (PRAGMA foreign_keys on)
        async with write(db, SYSTEM) as tx:
            tx.session.add(Organisation(slug="c", name="C", kind=OrgKind.PARTNER, country="ZZ"))
            tx.audit("organisation.created", "Organisation", "c")
    await seed_demo(db)
    with pytest.raises(IntegrityError):  # negative units: CHECK constraint
        async with write(db, SYSTEM) as tx:
            await tx.session.execute(update(Product).values(units_available=-1))
            tx.audit("product.updated", "Product", "all")


async def test_seed_is_plausible_and_idempotent(db: Database) -> None:
    first = await seed_demo(db)
    second = await seed_demo(db)
    assert first.created and not second.created
    assert 25 <= await _count(db, Product) <= 40
    async with db.read() as session:
        partners = (
            (
                await session.execute(
                    select(Organisation.slug).where(
                        Organisation.kind == OrgKind.PARTNER,
                        Organisation.vetting == VettingStatus.VETTED,
                    )
                )
            )
            .scalars()
            .all()
        )
        categories = set((await session.execute(select(Product.category))).scalars())
    for code in ["PL", "DE", "DK", "EE", "LT", "GB", "NL", "US"]:
        assert f"demo-partner-{code}" in partners
    assert len(categories) == 3
    assert await _count(db, Release) > 20
    assert (await _verify(db)).ok


async def _verify(db: Database):  # type: ignore[no-untyped-def]
    async with db.read() as session:
        return await verify_chain(session)


async def test_verify_audit_names_the_edited_event(db: Database) -> None:
    await seed_demo(db)
    report = await _verify(db)
    assert report.ok and report.length > 30
    async with db.write_session() as session, session.begin():
        await session.execute(
            update(AuditEvent).where(AuditEvent.id == 7).values(data={"name": "forged"})
        )
    broken = await _verify(db)
    assert not broken.ok and broken.broken_at == 7


async def test_health_and_readiness(api) -> None:  # type: ignore[no-untyped-def]
    assert (await api.get("/healthz")).json() == {"status": "ok"}
    ready = await api.get("/readyz")
    assert ready.status_code == 200 and ready.json()["checks"]["database"] == "ok"


async def test_graphql_refuses_anonymous_callers(api) -> None:  # type: ignore[no-untyped-def]
    response = await api.post("/graphql", json={"query": "{ me { subject } }"})
    assert response.status_code == 401
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert "data" not in response.json()
