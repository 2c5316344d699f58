"""Whether a request reached us over a channel fit for client secrets."""

import ipaddress
from collections.abc import Iterable

from starlette.requests import Request

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(host: str | None) -> Address | None:
    if not host:
        return None
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


class TransportPolicy:
    """Plain HTTP from loopback; otherwise TLS here, or TLS at a trusted proxy that says so.
    The peer address decides, never the Host header, which any client can set."""

    def __init__(self, trusted_proxies: Iterable[str]) -> None:
        # Parsed once, so a mistyped setting stops the app at start instead of failing requests.
        self.proxies: list[Network] = [
            ipaddress.ip_network(p, strict=False) for p in trusted_proxies
        ]

    def _peer(self, request: Request) -> Address | None:
        return _address(request.client.host if request.client else None)

    def is_loopback(self, request: Request) -> bool:
        peer = self._peer(request)
        return peer is not None and peer.is_loopback

    def is_https(self, request: Request) -> bool:
        if request.url.scheme == "https":
            return True
        peer = self._peer(request)
        if peer is None or not any(peer in network for network in self.proxies):
            return False
        forwarded = request.headers.get("x-forwarded-proto", "")
        return forwarded.split(",")[0].strip().lower() == "https"

    def accepts(self, request: Request) -> bool:
        return self.is_loopback(request) or self.is_https(request)

    def source_address(self, request: Request) -> str:
        """The address a request came from: the peer, or, when the peer is a proxy we trust,
        the nearest address in X-Forwarded-For that is not one of our proxies."""
        peer = request.client.host if request.client else ""
        address = _address(peer)
        if address is None or not any(address in network for network in self.proxies):
            return peer
        hops = [hop.strip() for hop in request.headers.get("x-forwarded-for", "").split(",")]
        for hop in reversed([h for h in hops if h]):
            parsed = _address(hop)
            if parsed is None:
                return hop
            if not any(parsed in network for network in self.proxies):
                return str(parsed)
        return peer
