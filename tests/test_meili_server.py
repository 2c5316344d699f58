"""The throw-away Meilisearch server starts whatever its random master key looks like."""

import httpx

from search.meili_server import MeiliServer
from tests.meili import meili_binary_or_skip


def test_master_key_starting_with_a_dash_is_not_taken_for_a_flag() -> None:
    server: MeiliServer = meili_binary_or_skip()
    server.master_key = "-" + server.master_key
    try:
        server.start()
        keys = httpx.get(
            f"{server.url}/keys", headers={"Authorization": f"Bearer {server.master_key}"}
        )
        assert keys.status_code == 200
    finally:
        server.close()


def test_a_failed_start_reports_the_server_log() -> None:
    server: MeiliServer = meili_binary_or_skip()
    server.port = 70000  # not a TCP port: the server refuses to start
    try:
        server.start(timeout=20)
    except RuntimeError as error:
        assert "exited with" in str(error)
        assert "invalid port" in str(error)
    else:
        raise AssertionError("the server started on an impossible port")
    finally:
        server.close()
