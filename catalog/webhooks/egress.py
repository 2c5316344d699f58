"""Where webhook deliveries may go: the egress rules, as pure functions.

A registrant chooses the URL, so a URL is a request to make our worker connect somewhere.
Only public receivers are allowed: `https://`, no credentials, a host that is a public IP
address or a DNS name outside the well-known internal names. The worker checks again at
delivery, on the addresses the name resolves to, and connects to the address it checked
(`notify/egress.py`).

Hosts are read the way resolvers read them, so that no spelling of an address slips past:
`127.1`, `2130706433`, `0x7f000001`, `0177.0.0.1` and `0` are all IPv4 addresses (the legacy
`inet_aton` forms, which the WHATWG URL standard also parses), a host that ends in a number is
an address or invalid, a trailing dot is ignored, and IPv4 addresses inside IPv6 ones
(IPv4-mapped, NAT64) are checked as the IPv4 address they reach.

The operator may allow networks of their own (`WEBHOOK_ALLOW_NETWORKS`): addresses there are
accepted whatever their range, and only there is plain `http://` accepted, and only to an
address written in the URL.
"""

import ipaddress
import string
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from urllib.parse import urlsplit

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

URL_MAX = 2000
# Names that always mean this host or the cloud's metadata service, and the special-use
# suffixes that never name a public host (RFC 6761, RFC 6762, RFC 8375, ICANN's .internal).
INTERNAL_NAMES = frozenset(
    {
        "localhost",
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
INTERNAL_SUFFIXES = (".localhost", ".local", ".internal", ".home.arpa", ".arpa", ".invalid")
# Refused in addition to what the `ipaddress` flags say, so that the rule does not depend on
# the Python release: shared, protocol, documentation, benchmarking, relay and transition
# ranges.
REFUSED_NETWORKS: tuple[Network, ...] = tuple(
    ipaddress.ip_network(n)
    for n in (
        "0.0.0.0/8",
        "10.0.0.0/8",
        "100.64.0.0/10",
        "127.0.0.0/8",
        "169.254.0.0/16",
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",
        "240.0.0.0/4",
        "::/8",
        "100::/64",
        "2001::/23",
        "2001:db8::/32",
        "2002::/16",
        "fc00::/7",
        "fe80::/10",
        "fec0::/10",
        "ff00::/8",
    )
)
NAT64_NETWORKS = (ipaddress.ip_network("64:ff9b::/96"), ipaddress.ip_network("64:ff9b:1::/48"))
LABEL_CHARACTERS = frozenset(string.ascii_lowercase + string.digits + "-")


class EgressRefused(ValueError):
    """A URL or address the worker must not connect to; the message is safe to show."""


@dataclass(frozen=True)
class Target:
    """A checked URL: its scheme and port, and either the address it names or the DNS name
    that must be resolved (and its addresses checked) before connecting."""

    scheme: str
    port: int
    address: Address | None
    name: str | None


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """The operator's allowlist; a network that would allow everything is refused."""
    networks = []
    for value in values:
        network = ipaddress.ip_network(value.strip(), strict=False)
        if network.prefixlen == 0:
            raise ValueError(f"{value} would allow every address")
        networks.append(network)
    return tuple(networks)


def _ipv4_number(part: str) -> int | None:
    if part[:2] in ("0x", "0X"):
        digits, base = part[2:], 16
    elif len(part) > 1 and part[0] == "0":
        digits, base = part[1:], 8
    else:
        digits, base = part, 10
    if not digits:
        return 0 if base != 10 else None
    if not set(digits.lower()) <= set("0123456789abcdef"[:base]):
        return None
    return int(digits, base)


def _ends_in_number(host: str) -> bool:
    last = host.split(".")[-1]
    if last.isascii() and last.isdigit():
        return True
    return last[:2] in ("0x", "0X") and set(last[2:].lower()) <= set(string.hexdigits.lower())


def parse_ipv4(host: str) -> ipaddress.IPv4Address:
    """An IPv4 address in any notation `inet_aton` accepts (one to four parts, each decimal,
    octal with a leading 0 or hexadecimal with 0x; the last part fills the remaining bytes)."""
    parts = host.split(".")
    numbers = [_ipv4_number(p) for p in parts] if len(parts) <= 4 and all(parts) else [None]
    if any(n is None for n in numbers):
        raise EgressRefused("url host is not a valid address")
    values = [n for n in numbers if n is not None]
    head, last = values[:-1], values[-1]
    if any(n > 255 for n in head) or last >= 256 ** (5 - len(values)):
        raise EgressRefused("url host is not a valid address")
    number = last
    for index, value in enumerate(head):
        number += value << (8 * (3 - index))
    return ipaddress.IPv4Address(number)


def _unmapped(address: Address) -> Address:
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def is_public(address: Address) -> bool:
    """A unicast address on the public internet: not loopback, private, link-local,
    multicast, reserved, unspecified, shared or documentation space, in IPv4 or IPv6."""
    address = _unmapped(address)
    if isinstance(address, ipaddress.IPv6Address) and address.scope_id:
        return False
    for network in NAT64_NETWORKS:
        if address in network:  # reaches the IPv4 address in its last 32 bits
            return is_public(ipaddress.IPv4Address(int(address) & 0xFFFFFFFF))
    flags = (
        address.is_loopback,
        address.is_private,
        address.is_link_local,
        address.is_multicast,
        address.is_reserved,
        address.is_unspecified,
        isinstance(address, ipaddress.IPv6Address) and address.is_site_local,
    )
    if any(flags) or not address.is_global:
        return False
    return not any(address in network for network in REFUSED_NETWORKS)


def is_listed(address: Address, allow: Sequence[Network]) -> bool:
    """Inside a network the operator listed."""
    address = _unmapped(address)
    return any(address.version == n.version and address in n for n in allow)


def is_allowed(address: Address, allow: Sequence[Network]) -> bool:
    """Public, or inside a network the operator listed."""
    return is_listed(address, allow) or is_public(address)


def _check_name(name: str) -> None:
    labels = name.split(".")
    well_formed = len(name) <= 253 and all(
        0 < len(label) <= 63
        and set(label) <= LABEL_CHARACTERS
        and not label.startswith("-")
        and not label.endswith("-")
        for label in labels
    )
    if not well_formed:
        raise EgressRefused("url host is not a valid DNS name (use punycode for other scripts)")
    if len(labels) < 2 or name in INTERNAL_NAMES or name.endswith(INTERNAL_SUFFIXES):
        raise EgressRefused("url must point to a public host")


def _host_of(raw_host: str, bracketed: bool) -> Address | str:
    """The host as an address, or as a lower-case DNS name without its trailing dot."""
    if bracketed:
        if "%" in raw_host:
            raise EgressRefused("url must point to a public address")
        try:
            return ipaddress.IPv6Address(raw_host)
        except ValueError:
            raise EgressRefused("url host is not a valid address") from None
    host = raw_host.lower()
    host = host[:-1] if host.endswith(".") else host
    if not host:
        raise EgressRefused("url must be an absolute https:// URL")
    if _ends_in_number(host):
        return parse_ipv4(host)
    return host


def check_url(url: str, allow: Sequence[Network] = ()) -> Target:
    """The target of a webhook URL, or `EgressRefused` saying why it is not acceptable."""
    if len(url) > URL_MAX or not url.isascii() or any(c <= " " or c == "\x7f" for c in url):
        raise EgressRefused("url must be an absolute URL of printable ASCII (percent-encode)")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise EgressRefused("url is not a valid URL") from None
    if parts.scheme not in ("https", "http") or not parts.netloc:
        raise EgressRefused("url must be an absolute https:// URL")
    if "@" in parts.netloc:
        raise EgressRefused("url must not carry credentials")
    bracketed = parts.netloc.startswith("[")
    host = _host_of(parts.hostname or "", bracketed)
    scheme = parts.scheme
    target = Target(
        scheme=scheme,
        port=port or (443 if scheme == "https" else 80),
        address=None if isinstance(host, str) else host,
        name=host if isinstance(host, str) else None,
    )
    if target.address is None:
        assert target.name is not None
        _check_name(target.name)
    elif not is_allowed(target.address, allow):
        raise EgressRefused("url must point to a public address")
    if scheme == "http" and (target.address is None or not is_listed(target.address, allow)):
        raise EgressRefused("url must use https")
    return target


def check_resolved(addresses: Sequence[Address], allow: Sequence[Network]) -> list[Address]:
    """The addresses to connect to, in order, when every address the name resolved to is
    allowed: one internal address among public ones refuses the name."""
    if not addresses or not all(is_allowed(a, allow) for a in addresses):
        raise EgressRefused("url resolves to an address that is not allowed")
    return list(dict.fromkeys(_unmapped(a) for a in addresses))
