"""A model-based test of export-control integrity: random sequences of quote requests,
decisions by two officers, offers and revisions, acceptances, withdrawals, revocations and
re-releases, expired releases, product and partner suspensions and reinstatements, price and
units edits, driven through the domain functions on SQLite and PostgreSQL. After every step:

- no quote is ACCEPTED whose product was not visible to its partner at acceptance;
- per product, the units reserved equal the accepted quantities and none are available below 0;
- every open case is in exactly one known queue, and is held exactly when a cause forbids its
  quote to go further (and held from the status its quote is in);
- every change of a quote, case, product or partner has an audit event in that step;
- the audit chain verifies.

Each example gets a fresh database cloned from a seeded template. The machine runs in a thread
with an event loop of its own (hypothesis drives it synchronously).
"""

import asyncio
import os
import shutil
import time
import uuid
from collections.abc import Awaitable, Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any, TypeVar

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
    run_state_machine_as_test,
)
from sqlalchemy import select, update

from catalog.core.audit import verify_chain
from catalog.core.db import Database
from catalog.core.enums import CaseDecisionKind, CaseStatus, QuoteStatus, VettingStatus
from catalog.core.errors import DomainError
from catalog.core.principal import Principal
from catalog.demo.seed import seed_demo
from catalog.licensing import cases, holds
from catalog.licensing.routing import TRIAGE_QUEUE
from catalog.licensing.rules import current_rule_set
from catalog.models import AuditEvent, LicensingCase, Organisation, Product, QuoteRequest, Release
from catalog.models.base import utcnow
from catalog.organisations.directory import set_partner_vetting
from catalog.products import lifecycle, releases
from catalog.quotes import offers, requests, workflow
from catalog.quotes.invariants import export_blockers
from catalog.visibility import visible_products
from tests.databases import PostgresTemplates, SqliteTemplates
from tests.quote_helpers import principal_of, quote_input

T = TypeVar("T")
PRODUCTS = ("Kremin", "Kurai Recon Ground Drone")
PARTNERS = {"PL": "demo-partner-PL", "DE": "demo-partner-DE"}
STARTING_UNITS = (9, 6)
EXAMPLES = int(os.environ.get("INTEGRITY_MODEL_EXAMPLES", "8"))
STEPS = int(os.environ.get("INTEGRITY_MODEL_STEPS", "50"))
# What each step may answer besides success: refusals are part of the model.
REFUSALS = {
    "NOT_ALLOWED",
    "INSUFFICIENT_UNITS",
    "INVALID_TRANSITION",
    "FOUR_EYES",
    "NOT_FOUND",
    "FORBIDDEN",
}
# A quote's status and the status its case must be in (or be held from).
CASE_OF_QUOTE = {
    QuoteStatus.LICENSING_REVIEW: CaseStatus.OPEN,
    QuoteStatus.INFO_REQUESTED: CaseStatus.INFO_REQUESTED,
    QuoteStatus.LICENSED: CaseStatus.APPROVED,
    QuoteStatus.OFFERED: CaseStatus.APPROVED,
}
OPEN_CASES = (CaseStatus.OPEN, CaseStatus.INFO_REQUESTED, CaseStatus.ON_HOLD)
DECISIONS = [CaseDecisionKind.APPROVE] * 3 + [
    CaseDecisionKind.REFUSE,
    CaseDecisionKind.REQUEST_INFO,
]
# Withdrawing a listing is for good: rarer, so most examples keep both products going.
CAUSE_STEPS = [
    *["revoke", "expire", "suspend_product", "suspend_partner", "units", "price"] * 5,
    "withdraw_product",
]


@dataclass
class Source:
    """Where each example's fresh database comes from: a seeded template."""

    backend: str
    sqlite: SqliteTemplates
    postgres: PostgresTemplates | None
    template: str = ""

    def prepare(self, loop: asyncio.AbstractEventLoop) -> None:
        url = self.clone(loop, from_seeded=False)
        db = Database(url, pool_size=2)
        loop.run_until_complete(seed_demo(db))
        loop.run_until_complete(db.dispose())
        self.template = url

    def clone(self, loop: asyncio.AbstractEventLoop, *, from_seeded: bool = True) -> str:
        if self.backend == "sqlite":
            if not from_seeded:
                return self.sqlite.url_for(self.sqlite.clone())
            path = self.sqlite.directory / f"m_{uuid.uuid4().hex[:12]}.db"
            shutil.copyfile(self.template.split("///", 1)[1], path)
            return self.sqlite.url_for(path)
        assert self.postgres is not None
        if not from_seeded:
            return self.postgres.url_for(loop.run_until_complete(self.postgres.clone()))
        name = f"market_m_{uuid.uuid4().hex[:12]}"
        template = self.template.rsplit("/", 1)[1]
        statement = f'CREATE DATABASE "{name}" TEMPLATE "{template}"'
        loop.run_until_complete(_admin(self.postgres, statement))
        return self.postgres.url_for(name)

    def drop(self, loop: asyncio.AbstractEventLoop, url: str) -> None:
        if self.backend == "sqlite":
            Path(url.split("///", 1)[1]).unlink(missing_ok=True)
        else:
            assert self.postgres is not None
            loop.run_until_complete(self.postgres.drop(url.rsplit("/", 1)[1]))


async def _admin(pg: PostgresTemplates, statement: str) -> None:
    conn = await pg._admin()
    try:
        await conn.execute(statement)
    finally:
        await conn.close()


class ExportModel(RuleBasedStateMachine):
    source: Source
    loop: asyncio.AbstractEventLoop

    def __init__(self) -> None:
        super().__init__()
        self.url = self.source.clone(self.loop)
        self.db = Database(self.url, pool_size=3)
        self.quotes: list[uuid.UUID] = []
        self.visible_at_acceptance: dict[uuid.UUID, bool] = {}
        self.products: list[Product] = self.run(self._products())
        self.makers = [self.run(self._maker_of(p)) for p in self.products]
        self.partner_orgs = {country: self._org_id(slug) for country, slug in PARTNERS.items()}
        self.curator = self.run(principal_of(self.db, "demo-curator"))
        self.officers = [
            self.run(principal_of(self.db, "demo-licensing", f"officer-{n}")) for n in "ab"
        ]
        self.snapshot: dict[str, Any] = {}
        self.last_audit = 0

    def run(self, awaitable: Awaitable[T]) -> T:
        return self.loop.run_until_complete(awaitable)

    def attempt(self, awaitable: Awaitable[Any]) -> Any:
        """Run a domain step; a refusal the model allows is an answer, anything else fails."""
        try:
            return self.run(awaitable)
        except DomainError as error:
            assert error.code in REFUSALS, error.problems
            return None

    def teardown(self) -> None:
        self.run(self.db.dispose())
        self.source.drop(self.loop, self.url)

    async def _products(self) -> list[Product]:
        found = []
        async with self.db.write_session() as session, session.begin():
            for name, units in zip(PRODUCTS, STARTING_UNITS, strict=True):
                product = await session.scalar(select(Product).where(Product.name == name))
                assert product is not None
                product.units_available = units
                found.append(product)
        return found

    async def _maker_of(self, product: Product) -> Principal:
        async with self.db.read() as session:
            org = await session.get_one(Organisation, product.manufacturer_id)
        return await principal_of(self.db, org.slug)

    def partner(self, country: str) -> Principal:
        # as a fresh token would carry it: the organisation record as it is now
        return self.run(principal_of(self.db, PARTNERS[country]))

    def quote_at(self, index: int) -> uuid.UUID:
        return self.quotes[index % len(self.quotes)]

    def quote_row(self, quote_id: uuid.UUID) -> QuoteRequest:
        async def read() -> QuoteRequest:
            async with self.db.read() as session:
                return await session.get_one(QuoteRequest, quote_id)

        return self.run(read())

    def partner_of(self, quote: QuoteRequest) -> Principal:
        country = next(c for c, org in self.partner_orgs.items() if org == quote.partner_org_id)
        return self.partner(country)

    def _org_id(self, slug: str) -> uuid.UUID:
        pid = self.run(principal_of(self.db, slug)).org_id
        assert pid is not None
        return pid

    # ------------------------------------------------------------ causes and their lifting

    @rule(
        cause=st.sampled_from(CAUSE_STEPS),
        product=st.integers(0, 1),
        country=st.sampled_from(sorted(PARTNERS)),
        units=st.integers(0, 12),
    )
    def a_cause_appears(self, cause: str, product: int, country: str, units: int) -> None:
        pid = self.products[product].id
        if cause == "revoke":
            self.attempt(releases.revoke_release(self.db, self.curator, pid, [country]))
        elif cause == "expire":
            self.run(self._expire(pid, country))
            self.run(holds.sweep(self.db))
        elif cause == "suspend_product":
            note = "export documents under review"
            self.attempt(lifecycle.transition(self.db, self.curator, pid, "suspend", note))
        elif cause == "withdraw_product":
            self.attempt(lifecycle.transition(self.db, self.makers[product], pid, "withdraw"))
        elif cause == "suspend_partner":
            org_id = self.partner_orgs[country]
            suspended = VettingStatus.SUSPENDED
            self.attempt(set_partner_vetting(self.db, self.curator, org_id, suspended, "lapsed"))
        else:
            self._edit(product, units, cause == "price")

    @rule(
        cause=st.sampled_from(CAUSE_STEPS),
        product=st.integers(0, 1),
        country=st.sampled_from(sorted(PARTNERS)),
        units=st.integers(0, 12),
    )
    def another_cause_appears(self, cause: str, product: int, country: str, units: int) -> None:
        self.a_cause_appears(cause, product, country, units)

    async def _expire(self, product_id: uuid.UUID, country: str) -> None:
        async with self.db.write_session() as session, session.begin():
            await session.execute(
                update(Release)
                .where(
                    Release.product_id == product_id,
                    Release.country == country,
                    Release.revoked_at.is_(None),  # type: ignore[union-attr]
                )
                .values(expires_at=utcnow() - timedelta(seconds=1))
            )

    def _edit(self, product: int, units: int, price: bool) -> None:
        draft = lifecycle.ProductDraft(units_available=units, given={"units_available"})
        if price:
            draft.unit_price_eur = Decimal(5) * Decimal(10_000 + units)
            draft.given.add("unit_price_eur")
        pid = self.products[product].id
        self.attempt(lifecycle.update_product(self.db, self.makers[product], pid, draft))

    @rule(product=st.integers(0, 1), everything=st.booleans())
    def causes_are_lifted(self, product: int, everything: bool) -> None:
        """Released again, published again, vetted again (each only where it applies)."""
        for index in (0, 1) if everything else (product,):
            pid = self.products[index].id
            self.attempt(releases.release_product(self.db, self.curator, pid, sorted(PARTNERS)))
            self.attempt(lifecycle.transition(self.db, self.curator, pid, "publish"))
        for country in sorted(PARTNERS) if everything else ():
            vetted = VettingStatus.VETTED
            org_id = self.partner_orgs[country]
            self.attempt(set_partner_vetting(self.db, self.curator, org_id, vetted, None))

    # ------------------------------------------------------------ partners and officers
    # The natural next steps of a quote come twice, and so do causes, so that random sequences
    # get quotes through licensing, offers and acceptance, and causes stop them on the way.

    def _request(self, country: str, product: int, quantity: int, re_export: bool) -> None:
        delivery = ("DE" if country == "PL" else "PL") if re_export else country
        given = quote_input(self.products[product], quantity=quantity, delivery_country=delivery)
        quote = self.attempt(requests.request_quote(self.db, self.partner(country), given))
        if quote is not None and quote.id not in self.quotes:
            self.quotes.append(quote.id)

    @initialize(
        quantities=st.lists(st.integers(1, 4), min_size=4, max_size=4),
        stages=st.lists(st.integers(0, 6), min_size=4, max_size=4),
    )
    def quotes_in_flight(self, quantities: list[int], stages: list[int]) -> None:
        """Each example starts with quotes of both partners for both products, some of them
        already licensed, offered or accepted."""
        for n, (country, product) in enumerate((("PL", 0), ("DE", 0), ("PL", 1), ("DE", 1))):
            self._request(country, product, quantities[n], re_export=n == 3)
            self._advance(len(self.quotes) - 1, n % 2, stages[n], among_all=True)

    @rule(
        country=st.sampled_from(sorted(PARTNERS)),
        product=st.integers(0, 1),
        quantity=st.integers(1, 6),
        re_export=st.booleans(),
    )
    def request_quote(self, country: str, product: int, quantity: int, re_export: bool) -> None:
        self._request(country, product, quantity, re_export)

    def _case_id(self, quote_id: uuid.UUID) -> uuid.UUID:
        async def read() -> uuid.UUID:
            async with self.db.read() as session:
                found = await session.scalar(
                    select(LicensingCase.id).where(LicensingCase.quote_request_id == quote_id)
                )
            assert found is not None
            return found

        return self.run(read())

    def _decide(self, quote_id: uuid.UUID, officer: int, decision: CaseDecisionKind) -> bool:
        case_id = self._case_id(quote_id)
        decided = cases.decide_case(self.db, self.officers[officer], case_id, decision, "ok")
        return self.attempt(decided) is not None

    def _offer(self, quote: QuoteRequest, factor: str) -> bool:
        base = quote.routed_unit_price_eur or Decimal("1000")
        given = offers.OfferInput(
            unit_price=(base * Decimal(factor)).quantize(Decimal("0.01")),
            currency="EUR",
            lead_time_days=30,
            valid_until=date.today() + timedelta(days=30),
        )
        maker = self.makers[0] if quote.product_id == self.products[0].id else self.makers[1]
        return self.attempt(offers.respond_to_quote(self.db, maker, quote.id, given)) is not None

    def _accept(self, quote: QuoteRequest) -> bool:
        partner = self.partner_of(quote)
        accepted = self.attempt(offers.settle_offer(self.db, partner, quote.id, accept=True))
        if accepted is not None:
            self.visible_at_acceptance[quote.id] = self.run(self._visible(partner, quote))
        return accepted is not None

    def _open_quotes(self) -> list[QuoteRequest]:
        async def read() -> list[QuoteRequest]:
            async with self.db.read() as session:
                rows = await session.scalars(
                    select(QuoteRequest)
                    .where(QuoteRequest.status.in_(list(CASE_OF_QUOTE)))  # type: ignore[attr-defined]
                    .order_by(QuoteRequest.created_at, QuoteRequest.id)
                )
                return list(rows)

        return self.run(read())

    def _advance(self, index: int, officer: int, steps: int, among_all: bool = False) -> None:
        """Up to `steps` of the steps an open quote would naturally take next (approvals by
        alternating officers, an offer within the licence, the acceptance)."""
        candidates = [q.id for q in self._open_quotes()] if not among_all else self.quotes
        if not candidates:
            return
        quote_id = candidates[index % len(candidates)]
        for step in range(steps):
            quote = self.quote_row(quote_id)
            if quote.status is QuoteStatus.INFO_REQUESTED:
                partner = self.partner_of(quote)
                done = workflow.answer_info_request(self.db, partner, quote.id, "ok")
                moved = self.attempt(done) is not None
            elif quote.status is QuoteStatus.LICENSING_REVIEW:
                moved = self._decide(quote.id, (officer + step) % 2, CaseDecisionKind.APPROVE)
            elif quote.status is QuoteStatus.LICENSED:
                moved = self._offer(quote, "1")
            elif quote.status is QuoteStatus.OFFERED:
                moved = self._accept(quote)
            else:
                moved = False
            if not moved:
                return  # refused (a cause, the surplus, four-eyes) or done

    @precondition(lambda self: self.quotes)
    @rule(index=st.integers(0, 50), officer=st.integers(0, 1))
    def advance(self, index: int, officer: int) -> None:
        self._advance(index, officer, 1)

    @precondition(lambda self: self.quotes)
    @rule(index=st.integers(0, 50), officer=st.integers(0, 1))
    def advance_as_far_as_possible(self, index: int, officer: int) -> None:
        self._advance(index, officer, 5)

    @precondition(lambda self: self.quotes)
    @rule(index=st.integers(0, 50), officer=st.integers(0, 1), decision=st.sampled_from(DECISIONS))
    def decide(self, index: int, officer: int, decision: CaseDecisionKind) -> None:
        self._decide(self.quote_at(index), officer, decision)

    @precondition(lambda self: self.quotes)
    @rule(index=st.integers(0, 50), factor=st.sampled_from(["0.5", "1", "1.5", "3"]))
    def offer(self, index: int, factor: str) -> None:
        self._offer(self.quote_row(self.quote_at(index)), factor)

    @precondition(lambda self: self.quotes)
    @rule(index=st.integers(0, 50))
    def accept(self, index: int) -> None:
        self._accept(self.quote_row(self.quote_at(index)))

    async def _visible(self, partner: Principal, quote: QuoteRequest) -> bool:
        async with self.db.read() as session:
            found = await session.scalar(
                select(Product.id).where(Product.id == quote.product_id, visible_products(partner))
            )
        return found is not None

    @precondition(lambda self: self.quotes)
    @rule(index=st.integers(0, 50), answer=st.booleans())
    def partner_answers_or_withdraws(self, index: int, answer: bool) -> None:
        quote = self.quote_row(self.quote_at(index))
        partner = self.partner_of(quote)
        if answer:
            self.attempt(workflow.answer_info_request(self.db, partner, quote.id, "ok"))
        else:
            self.attempt(workflow.withdraw_quote(self.db, partner, quote.id, None))

    # ------------------------------------------------------------ invariants

    @invariant()
    def export_control_holds(self) -> None:
        self.run(self._check())

    async def _check(self) -> None:
        async with self.db.read() as session:
            quotes = list(await session.scalars(select(QuoteRequest)))
            all_cases = await session.scalars(select(LicensingCase))
            case_rows = {c.quote_request_id: c for c in all_cases}
            products = {p.id: p for p in await session.scalars(select(Product))}
            orgs = {o.id: o for o in await session.scalars(select(Organisation))}
            queues = {TRIAGE_QUEUE} | {r.queue for r in (await current_rule_set(session)).rules}
            accepted = [q for q in quotes if q.status is QuoteStatus.ACCEPTED]
            assert {q.id for q in accepted} == set(self.visible_at_acceptance)
            assert all(self.visible_at_acceptance.values())
            for product in products.values():
                reserved = sum(q.quantity for q in accepted if q.product_id == product.id)
                assert product.units_reserved == reserved and product.units_available >= 0
            await self._one_queue_each(session, case_rows.values(), queues)
            for quote in quotes:
                case = case_rows[quote.id]
                if quote.status in CASE_OF_QUOTE:
                    causes = await export_blockers(session, quote)
                    held = case.status is CaseStatus.ON_HOLD
                    assert held == bool(causes), (quote.status, case.status, causes)
                    assert (case.held_from if held else case.status) is CASE_OF_QUOTE[quote.status]
                    assert sorted(case.hold_causes) == sorted(causes)
            report = await verify_chain(session)
            assert report.ok, report
            await self._audited(session, quotes, case_rows, products, orgs)

    async def _one_queue_each(
        self, session: Any, all_cases: Iterable[LicensingCase], queues: set[str]
    ) -> None:
        """Listed queue by queue as officers list them, each open case appears exactly once."""
        seen: list[uuid.UUID] = []
        for queue in sorted(queues):
            page = await cases.list_cases(
                session, self.officers[0], queue=queue, status=None, first=100, after=None
            )
            seen += [c.id for c in page.items if c.status in OPEN_CASES]
        open_ids = sorted(c.id for c in all_cases if c.status in OPEN_CASES)
        assert sorted(seen) == open_ids

    async def _audited(
        self,
        session: Any,
        quotes: list[QuoteRequest],
        case_rows: dict[uuid.UUID, LicensingCase],
        products: dict[uuid.UUID, Product],
        orgs: dict[uuid.UUID, Organisation],
    ) -> None:
        """Every entity that changed since the last step has an audit event from this step (a
        quote's change may be recorded on its case, which decides it)."""
        state: dict[str, Any] = {}
        for quote in quotes:
            case = case_rows[quote.id]
            state[str(quote.id)] = (quote.status, quote.offer_revision, quote.offer_pending)
            state[str(case.id)] = (case.status, case.held_from, tuple(case.hold_causes), case.queue)
        for product in products.values():
            state[str(product.id)] = (
                product.status,
                product.units_available,
                product.units_reserved,
                product.unit_price_eur,
            )
        for org in orgs.values():
            state[str(org.id)] = org.vetting
        events = list(
            await session.scalars(select(AuditEvent).where(AuditEvent.id > self.last_audit))
        )
        audited = {e.entity_id for e in events}
        case_of = {str(q.id): str(case_rows[q.id].id) for q in quotes}
        if self.snapshot:  # the first check, after setting up, only takes the snapshot
            for entity, value in state.items():
                if self.snapshot.get(entity) != value:
                    covered = entity in audited or case_of.get(entity) in audited
                    assert covered, (entity, self.snapshot.get(entity), value)
        self.snapshot = state
        self.last_audit = max([self.last_audit, *(e.id or 0 for e in events)])


def _drive(source: Source) -> None:
    loop = asyncio.new_event_loop()
    try:
        source.prepare(loop)
        machine = type("Model", (ExportModel,), {"source": source, "loop": loop})
        run_state_machine_as_test(
            machine,
            settings=settings(
                max_examples=EXAMPLES,
                stateful_step_count=STEPS,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                database=None,
            ),
        )
    finally:
        source.drop(loop, source.template)
        loop.close()


async def test_export_control_model(
    backend: str,
    sqlite_templates: SqliteTemplates,
    postgres_templates: PostgresTemplates | None,
    record_property: Any,
) -> None:
    if backend == "postgres" and postgres_templates is None:
        pytest.skip("PostgreSQL is not reachable (set REQUIRE_POSTGRES=1 to fail instead)")
    started = time.perf_counter()
    await asyncio.to_thread(_drive, Source(backend, sqlite_templates, postgres_templates))
    seconds = time.perf_counter() - started
    record_property("seconds", round(seconds, 1))
    print(f"\nmodel test on {backend}: {EXAMPLES} examples x {STEPS} steps in {seconds:.1f} s")
