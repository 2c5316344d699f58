"""Graceful shutdown of a real `market serve` process: on SIGTERM it stops accepting, lets the
request in flight finish, then exits cleanly."""

import asyncio
import base64
import json
import os
import signal
import socket
import subprocess
import sys
import time

import httpx

from api.children import spawn
from auth.clients import create_client
from catalog.core.db import Database
from catalog.demo.seed import seed_demo
from tests.live import free_port
from tests.test_cli import ROOT


def _start_server(database_url: str, port: int) -> subprocess.Popen[str]:
    env = {**os.environ, "DATABASE_URL": database_url, "MARKET_ENV": "test"}
    env["ISSUER"] = f"http://127.0.0.1:{port}"
    command = [sys.executable, "-m", "api.cli", "serve", "--host", "127.0.0.1"]
    return spawn(
        [*command, "--port", str(port)],
        env=env,
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


async def _wait_until_serving(port: int, process: subprocess.Popen[str]) -> None:
    deadline = time.monotonic() + 60
    async with httpx.AsyncClient() as client:
        while True:
            assert process.poll() is None, process.communicate()[1]
            try:
                if (await client.get(f"http://127.0.0.1:{port}/healthz")).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            await asyncio.sleep(0.1)


def _accepts_connections(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=1):
            return True
    except OSError:
        return False


async def test_sigterm_lets_the_request_in_flight_finish(db: Database, database_url: str) -> None:
    await seed_demo(db)
    client = await create_client(db, org_slug="demo-partner-PL", scopes=None, name="shutdown")
    port = free_port()
    server = _start_server(database_url, port)
    try:
        await _wait_until_serving(port, server)
        body = b"grant_type=client_credentials"
        basic = base64.b64encode(f"{client.client_id}:{client.client_secret}".encode()).decode()
        head = (
            f"POST /oauth/token HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Basic {basic}\r\nX-Request-Id: slow-request-1\r\n"
            "Content-Type: application/x-www-form-urlencoded\r\n"
            f"Content-Length: {len(body)}\r\n\r\n"
        ).encode()
        # A slow client: headers and half the body, then the server is told to stop.
        slow = socket.create_connection(("127.0.0.1", port), timeout=30)
        slow.sendall(head + body[:10])
        await asyncio.sleep(0.3)
        server.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + 30
        while _accepts_connections(port):  # shutdown has begun once new clients are refused
            assert time.monotonic() < deadline, "the server kept accepting connections"
            await asyncio.sleep(0.05)
        assert server.poll() is None  # still finishing the request in flight
        slow.sendall(body[10:])
        response = await asyncio.to_thread(_read_response, slow)
        _, stderr = await asyncio.to_thread(server.communicate, timeout=60)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    status_line, _, payload = response.partition(b"\r\n")
    assert b" 200 " in status_line, response
    assert json.loads(payload.split(b"\r\n\r\n", 1)[1])["access_token"]
    # uvicorn finishes its shutdown, then re-raises the signal it caught (exit by SIGTERM).
    assert server.returncode in (0, -signal.SIGTERM), stderr
    lines = [json.loads(line) for line in stderr.splitlines() if line.startswith("{")]
    messages = [line["message"] for line in lines]
    served = next(i for i, line in enumerate(lines) if line.get("request_id") == "slow-request-1")
    assert lines[served]["status"] == 200
    stopped = messages.index("Application shutdown complete.")
    assert messages.index("Shutting down") < served < stopped


def _read_response(sock: socket.socket) -> bytes:
    chunks = []
    with sock:
        while True:
            chunk = sock.recv(65536)
            if not chunk:
                break
            chunks.append(chunk)
            data = b"".join(chunks)
            head, sep, rest = data.partition(b"\r\n\r\n")
            length = next(
                (
                    int(line.split(b":")[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                None,
            )
            if sep and length is not None and len(rest) >= length:
                break
    return b"".join(chunks)
