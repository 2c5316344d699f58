"""Fixtures: every database test runs on SQLite and on PostgreSQL.

With REQUIRE_POSTGRES=1 a missing PostgreSQL server fails the run instead of skipping.
"""

import asyncio
import os
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from api.app import create_app
from api.settings import Settings
from catalog.core.db import Database
from tests.databases import PostgresTemplates, SqliteTemplates, postgres_available

BACKENDS = ["sqlite", "postgres"]


def _required(name: str) -> bool:
    return os.environ.get(name, "") not in ("", "0", "false", "no")


@pytest.fixture(scope="session")
def run_id() -> str:
    return uuid.uuid4().hex[:10]


@pytest.fixture(scope="session")
def sqlite_templates(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplates:
    templates = SqliteTemplates(tmp_path_factory.mktemp("sqlite"))
    templates.migrate_template()
    return templates


@pytest.fixture(scope="session")
async def postgres_templates(run_id: str) -> AsyncIterator[PostgresTemplates | None]:
    if not await postgres_available():
        if _required("REQUIRE_POSTGRES"):
            pytest.fail("REQUIRE_POSTGRES=1 but PostgreSQL is not reachable")
        yield None
        return
    templates = PostgresTemplates(run_id)
    await templates.prepare()
    await asyncio.to_thread(templates.migrate_template)
    yield templates
    assert templates.template
    await templates.dropped()
    await templates.drop(templates.template)
    if templates.seeded_template is not None:
        await templates.drop(templates.seeded_template)


@pytest.fixture(params=BACKENDS)
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
async def database_url(
    request: pytest.FixtureRequest,
    backend: str,
    sqlite_templates: SqliteTemplates,
    postgres_templates: PostgresTemplates | None,
) -> AsyncIterator[str]:
    """A freshly migrated database of the test's backend: empty, or holding just the demo
    catalogue when the test asks for `seeded` (a copy of a database seeded once per process)."""
    seeded = "seeded" in request.fixturenames
    if backend == "sqlite":
        path = await sqlite_templates.seeded_clone() if seeded else sqlite_templates.clone()
        yield sqlite_templates.url_for(path)
        return
    if postgres_templates is None:
        pytest.skip("PostgreSQL is not reachable (set REQUIRE_POSTGRES=1 to fail instead)")
    name = await postgres_templates.clone(seeded=seeded)
    yield postgres_templates.url_for(name)
    postgres_templates.drop_soon(name)


@pytest.fixture
async def db(database_url: str) -> AsyncIterator[Database]:
    database = Database(database_url, pool_size=5)
    yield database
    await database.dispose()


@pytest.fixture
def settings(database_url: str) -> Settings:
    # Cost budgets out of reach: tests/test_ratelimit.py sets its own.
    return Settings(database_url=database_url, market_env="test", rate_limit_capacity=10**9)


@pytest.fixture
async def api(settings: Settings, db: Database) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client talking to a fresh app over ASGI (no network)."""
    app = create_app(settings, db=db)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://127.0.0.1:8000") as client:
        yield client


@pytest.fixture
def project_root() -> Iterator[Path]:
    yield Path(__file__).resolve().parent.parent


@pytest.fixture
async def seeded(db: Database) -> Database:
    """The database with the demo catalogue (organisations, products, releases, rules): a
    copy of one seeded database (`database_url`), which `seed_demo` recognises as seeded."""
    from catalog.demo.seed import seed_demo

    assert not (await seed_demo(db)).created
    return db


@pytest.fixture
def token_for(api: httpx.AsyncClient, seeded: Database) -> Callable[..., Awaitable[str]]:
    """`await token_for("demo-partner-PL", scopes=None)` → a real access token for that demo
    organisation (the demo catalogue is seeded first)."""
    from tests.tokens import issue_token

    async def issue(
        org_slug: str, scopes: list[str] | None = None, officer_email: str | None = None
    ) -> str:
        return await issue_token(api, seeded, org_slug, scopes, officer_email)

    return issue


@pytest.fixture
async def live_url(settings: Settings, seeded: Database) -> AsyncIterator[str]:
    """A real uvicorn on 127.0.0.1 (free port) serving a fresh app over the test's seeded
    database; tokens from `token_for` are valid there (same database, same issuer)."""
    from tests.live import serve

    with serve(create_app(settings)) as url:
        yield url


# ---------------------------------------------------------------- order

# The slowest files (by --durations), slowest first. They start first, so that under
# pytest-xdist none of them is left running alone at the end while the other workers idle
# (`--dist load` hands out the first quarter of the tests one by one, worker after worker).
SLOWEST_FIRST = (
    "test_integrity_model.py",
    "test_fuzz.py",
    "test_onboarding_cli.py",
    "test_run_prod.py",
)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    def rank(item: pytest.Item) -> int:
        name = item.path.name
        return SLOWEST_FIRST.index(name) if name in SLOWEST_FIRST else len(SLOWEST_FIRST)

    items.sort(key=rank)  # stable: every other test keeps its place


# ---------------------------------------------------------------- per-backend summary

_outcomes: dict[str, dict[str, int]] = {}


def _backend_of(item_id: str) -> str | None:
    for name in BACKENDS:
        if f"[{name}" in item_id or f"-{name}]" in item_id or f"-{name}-" in item_id:
            return name
    return None


def pytest_runtest_logreport(report: pytest.TestReport) -> None:
    if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
        return
    backend = _backend_of(report.nodeid)
    if backend is not None:
        counts = _outcomes.setdefault(backend, {})
        counts[report.outcome] = counts.get(report.outcome, 0) + 1


def pytest_terminal_summary(terminalreporter: Any, exitstatus: int, config: pytest.Config) -> None:
    terminalreporter.section("database backends")
    for backend in BACKENDS:
        counts = _outcomes.get(backend, {})
        line = ", ".join(f"{n} {outcome}" for outcome, n in sorted(counts.items())) or "none ran"
        terminalreporter.write_line(f"{backend}: {line}")


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """With REQUIRE_POSTGRES=1 a run in which no PostgreSQL test passed is a failure.

    Under pytest-xdist only the controller, which receives every worker's reports, decides.
    """
    if hasattr(session.config, "workerinput"):
        return
    if session.config.option.collectonly or exitstatus != 0:
        return
    postgres_passed = _outcomes.get("postgres", {}).get("passed", 0)
    if any(_outcomes.values()) and _required("REQUIRE_POSTGRES") and postgres_passed == 0:
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


from tests.meili import meili_server  # noqa: E402,F401  (session-wide Meilisearch fixture)
