"""A session-wide Meilisearch server for the tests (the pinned binary from `make meili`).

Without the binary the Meilisearch tests are skipped, unless REQUIRE_MEILI=1: then they fail.
"""

import os
from collections.abc import Iterator

import pytest

from api.settings import Settings
from search.meili_server import MeiliServer, binary_path


def meili_required() -> bool:
    return os.environ.get("REQUIRE_MEILI", "") not in ("", "0", "false", "no")


def meili_binary_or_skip() -> MeiliServer:
    binary = binary_path()
    if binary is None:
        if meili_required():
            pytest.fail("REQUIRE_MEILI=1 but the Meilisearch binary is missing (run `make meili`)")
        pytest.skip("Meilisearch binary missing (run `make meili`; REQUIRE_MEILI=1 to fail)")
    return MeiliServer(binary)


@pytest.fixture(scope="session")
def meili_server() -> Iterator[MeiliServer]:
    """Synchronous on purpose: async fixtures may ask for it with `getfixturevalue`."""
    server = meili_binary_or_skip()
    server.start()
    yield server
    server.close()


def searching_meilisearch(settings: Settings, server: MeiliServer, **more: str) -> Settings:
    """`settings` with the search backend set to `server` (and any other `meili_*` setting)."""
    update = {"search_backend": "meilisearch", "meili_url": server.url}
    return settings.model_copy(update={**update, "meili_master_key": server.master_key, **more})
