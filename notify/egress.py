"""Connecting to a webhook receiver without being turned against our own network.

For every attempt the URL is checked again (`catalog/webhooks/egress.py`: the rules may have
changed since registration, and rows may predate them), a DNS name is resolved once and every
address it resolves to is checked, and the connection goes to a checked address: the URL is
rewritten to that address while `Host`, TLS server name indication and the certificate check
keep the original name. Nothing is looked up a second time (no DNS rebinding between check and
connect), no redirect is followed, no proxy is taken from the environment, connections are not
reused between deliveries, and the response body is never read.

What the registrant sees of a failure is coarse (`connection failed`, `timeout`, `HTTP 5xx`):
a registrant must not learn from us which internal addresses exist or which ports answer. The
detail goes to the worker's log.
"""

import asyncio
import ipaddress
import socket
import ssl
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from types import TracebackType
from urllib.parse import urlsplit

import httpx

from catalog.webhooks.egress import (
    Address,
    EgressRefused,
    Network,
    Target,
    check_resolved,
    check_url,
)

TIMEOUT_SECONDS = 10.0
Resolver = Callable[[str, int], Awaitable[list[str]]]


async def system_resolver(host: str, port: int) -> list[str]:
    infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [str(info[4][0]) for info in infos]


@dataclass(frozen=True)
class Outcome:
    status_code: int | None
    error: str | None  # shown to the registrant
    detail: str | None = None  # for the operator's log only


def coarse_status(status_code: int) -> str | None:
    return None if 200 <= status_code < 300 else f"HTTP {status_code // 100}xx"


def _pinned_url(url: str, target: Target, address: Address) -> str:
    parts = urlsplit(url)
    host = f"[{address}]" if address.version == 6 else str(address)
    query = f"?{parts.query}" if parts.query else ""
    return f"{target.scheme}://{host}:{target.port}{parts.path or '/'}{query}"


def _host_header(target: Target) -> str:
    default = 443 if target.scheme == "https" else 80
    assert target.name is not None
    return target.name if target.port == default else f"{target.name}:{target.port}"


class Egress:
    """Sends signed webhook requests to checked addresses; one per worker process."""

    def __init__(
        self,
        allow: Sequence[Network] = (),
        *,
        resolve: Resolver = system_resolver,
        verify: ssl.SSLContext | bool = True,
        timeout_seconds: float = TIMEOUT_SECONDS,
    ) -> None:
        self.allow = tuple(allow)
        self.resolve = resolve
        self.timeout_seconds = timeout_seconds
        self.client = httpx.AsyncClient(
            timeout=timeout_seconds,
            follow_redirects=False,
            trust_env=False,
            verify=verify,
            limits=httpx.Limits(max_keepalive_connections=0),
        )

    async def __aenter__(self) -> "Egress":
        return self

    async def __aexit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        await self.client.aclose()

    async def _addresses(self, target: Target) -> list[Address]:
        if target.address is not None:
            return [target.address]
        assert target.name is not None
        try:
            found = [ipaddress.ip_address(a) for a in await self.resolve(target.name, target.port)]
        except (OSError, ValueError) as error:
            raise EgressRefused(f"{target.name} does not resolve: {error}") from None
        return check_resolved(found, self.allow)

    async def _send(
        self, url: str, target: Target, body: bytes, headers: dict[str, str]
    ) -> Outcome:
        addresses = await self._addresses(target)
        extensions = {}
        if target.name is not None:
            headers = {**headers, "Host": _host_header(target)}
            if target.scheme == "https":
                extensions["sni_hostname"] = target.name
        failure: httpx.ConnectError | None = None
        for address in addresses[:3]:  # the next address only when this one refuses us
            try:
                async with self.client.stream(
                    "POST",
                    _pinned_url(url, target, address),
                    content=body,
                    headers=headers,
                    extensions=extensions,
                ) as response:
                    status = response.status_code
                    return Outcome(status, coarse_status(status), None)
            except httpx.ConnectError as error:
                failure = error
        assert failure is not None
        raise failure

    async def post(self, url: str, body: bytes, headers: dict[str, str]) -> Outcome:
        """One attempt: the receiver's status code, or a coarse error with its detail."""
        try:
            async with asyncio.timeout(self.timeout_seconds):
                return await self._send(url, check_url(url, self.allow), body, headers)
        except (TimeoutError, httpx.TimeoutException) as error:
            return Outcome(None, "timeout", f"{type(error).__name__}: {error}")
        except (EgressRefused, httpx.HTTPError, httpx.InvalidURL, OSError, ssl.SSLError) as error:
            return Outcome(None, "connection failed", f"{type(error).__name__}: {error}")
