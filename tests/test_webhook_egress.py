"""Webhook egress: where deliveries may go. The rules as pure functions (every spelling of an
internal address refused), registration over GraphQL, and delivery through `notify.egress`
with a stub resolver (never the real network): the name is resolved once, every address is
checked, the connection goes to the checked address with the original name in Host and TLS,
nothing is redirected, and the registrant learns only coarse errors."""

import datetime as dt
import ipaddress
import ssl
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import given
from hypothesis import strategies as st

from api.settings import Settings
from catalog.webhooks.egress import (
    EgressRefused,
    check_resolved,
    check_url,
    is_public,
    parse_ipv4,
    parse_networks,
)
from notify.egress import Egress, Resolver
from tests.graphql import gql
from tests.live import free_port, serve
from tests.webhook_receiver import Receiver

LOOPBACK = parse_networks(["127.0.0.0/8"])
CREATE = """mutation($input: CreateWebhookInput!) { createWebhook(input: $input) {
  webhook { id } secret errors { field code message } } }"""

# Each was accepted and delivered to before these rules (the first three are 127.0.0.1).
INTERNAL_URLS = [
    "https://127.1:8132/",
    "https://2130706433/",
    "https://0x7f000001/",
    "https://0/",
    "https://0177.0.0.1/",
    "https://0x7f.1/",
    "https://127.0.0.1./",
    "https://localhost./",
    "https://localhost/",
    "https://foo.localhost/",
    "https://metadata.google.internal/computeMetadata/v1/",
    "https://169.254.169.254/latest/meta-data/",
    "https://10.1.2.3/",
    "https://172.16.0.1/",
    "https://192.168.1.1/",
    "https://100.64.0.1/",
    "https://224.0.0.1/",
    "https://255.255.255.255/",
    "https://240.0.0.1/",
    "https://[::1]/",
    "https://[::]/",
    "https://[::ffff:127.0.0.1]/",
    "https://[::ffff:7f00:1]/",
    "https://[::ffff:a9fe:a9fe]/",
    "https://[fe80::1%25eth0]/",
    "https://[fc00::1]/",
    "https://[ff02::1]/",
    "https://[64:ff9b::a00:1]/",
    "https://[2002:7f00:1::]/",
    "https://printer.local/",
    "https://intranet/",
    "https://example.123/",
    "https://1.2.3.4.5/",
]
MALFORMED_URLS = [
    "http://example.org/hook",  # plain http to a public host
    "ftp://example.org/hook",
    "https://user:pw@example.org/hook",
    "https://example.org@127.0.0.1/",
    "https://exa mple.org/",
    "https://exämple.org/",
    "https://example.org:99999/",
    "//example.org/hook",
    "https:///hook",
    "https://example.org\\@127.0.0.1/",
]


@pytest.mark.parametrize("url", INTERNAL_URLS + MALFORMED_URLS)
def test_internal_and_malformed_urls_are_refused(url: str) -> None:
    with pytest.raises(EgressRefused):
        check_url(url)


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/market",
        "https://HOOKS.example.com./market?x=1",
        "https://8.8.8.8:8443/x",
        "https://[2606:4700:4700::1111]/x",
        "https://[::ffff:8.8.8.8]/x",
        "https://[64:ff9b::808:808]/x",  # NAT64 to a public address
    ],
)
def test_public_receivers_are_accepted(url: str) -> None:
    assert check_url(url).scheme == "https"


@pytest.mark.parametrize(
    ("spelling", "address"),
    [
        ("127.1", "127.0.0.1"),
        ("2130706433", "127.0.0.1"),
        ("0x7f000001", "127.0.0.1"),
        ("0", "0.0.0.0"),  # noqa: S104
        ("0177.0.0.1", "127.0.0.1"),
        ("0x7f.0.0.0x1", "127.0.0.1"),
        ("10.0x10203", "10.1.2.3"),
        ("8.8.8.8", "8.8.8.8"),
    ],
)
def test_ipv4_is_read_in_every_notation(spelling: str, address: str) -> None:
    assert parse_ipv4(spelling) == ipaddress.IPv4Address(address)


@pytest.mark.parametrize("spelling", ["1.2.3.4.5", "256.1.1.1", "1.16777216", "08.1.1.1", "0xg"])
def test_impossible_ipv4_spellings_are_refused(spelling: str) -> None:
    with pytest.raises(EgressRefused):
        parse_ipv4(spelling)


def _spell(number: int, parts: int, styles: list[str]) -> str:
    """`number` as an IPv4 host of `parts` parts, each written in decimal, octal or hex."""
    sizes = [1] * (parts - 1) + [5 - parts]
    values, rest = [], number
    for size in reversed(sizes):
        values.insert(0, rest % 256**size)
        rest //= 256**size
    forms = {"d": str, "o": lambda v: f"0{v:o}", "x": lambda v: f"0x{v:x}"}
    return ".".join(forms[style](value) for style, value in zip(styles, values, strict=False))


@given(
    st.sampled_from(["127.0.0.0/8", "10.0.0.0/8", "169.254.0.0/16", "0.0.0.0/8", "192.168.0.0/16"]),
    st.integers(min_value=0, max_value=2**24 - 1),
    st.integers(min_value=1, max_value=4),
    st.lists(st.sampled_from("dox"), min_size=4, max_size=4),
)
def test_any_spelling_of_an_internal_address_is_refused(
    network: str, offset: int, parts: int, styles: list[str]
) -> None:
    base = ipaddress.ip_network(network)
    address = base[offset % base.num_addresses]
    host = _spell(int(address), parts, styles)
    assert parse_ipv4(host) == address
    with pytest.raises(EgressRefused):
        check_url(f"https://{host}/hook")


@given(st.text(max_size=60) | st.text(st.characters(min_codepoint=32, max_codepoint=126)))
def test_no_input_makes_the_check_fail_otherwise_than_by_refusing(text: str) -> None:
    for url in (text, f"https://{text}", f"https://{text}/x", f"http://[{text}]/"):
        try:
            target = check_url(url, LOOPBACK)
        except EgressRefused:
            continue
        assert (target.address is None) != (target.name is None)
        assert target.address is None or is_public(target.address) or target.address in LOOPBACK[0]


def test_the_operator_allowlist_opens_its_networks_and_plain_http_only_there() -> None:
    assert check_url("http://127.0.0.1:8000/hook", LOOPBACK).address is not None
    assert check_url("https://127.1/hook", LOOPBACK).address == ipaddress.ip_address("127.0.0.1")
    for still_refused in ("http://localhost:8000/", "http://10.0.0.1/", "https://[::1]/"):
        with pytest.raises(EgressRefused):
            check_url(still_refused, LOOPBACK)
    with pytest.raises(ValueError, match="every address"):
        parse_networks(["0.0.0.0/0"])
    assert Settings().webhook_allow_networks == []  # empty unless the operator sets it
    with pytest.raises(ValueError):
        Settings(webhook_allow_networks=["::/0"])
    with pytest.raises(ValueError):
        Settings(webhook_allow_networks=["not a network"])


def test_a_name_is_refused_when_any_address_it_resolves_to_is_internal() -> None:
    public, internal = ipaddress.ip_address("8.8.8.8"), ipaddress.ip_address("127.0.0.1")
    assert check_resolved([public], ()) == [public]
    for addresses in ([internal], [public, internal], []):
        with pytest.raises(EgressRefused):
            check_resolved(addresses, ())
    assert check_resolved([internal], LOOPBACK) == [internal]
    assert not is_public(ipaddress.ip_address("::ffff:10.0.0.1"))


async def test_registration_over_graphql_refuses_every_internal_spelling(
    api: httpx.AsyncClient, token_for: Callable[..., Awaitable[str]]
) -> None:
    """Default settings (no allowlist): loopback is refused too, in every environment."""
    curator = await token_for("demo-curator")
    for url in [*INTERNAL_URLS, *MALFORMED_URLS, "http://127.0.0.1:9/hook"]:
        variables = {"input": {"url": url, "events": ["product.changed"]}}
        payload = (await gql(api, curator, CREATE, variables))["data"]["createWebhook"]
        assert payload["secret"] is None, url
        assert [(e["field"], e["code"]) for e in payload["errors"]] == [("url", "INVALID")], url
    listed = await gql(api, curator, "{ webhooks { url } }")
    assert listed["data"]["webhooks"] == []


# ---------------------------------------------------------------- delivery


class StubResolver:
    """Answers from a table and counts the look-ups."""

    def __init__(self, table: dict[str, list[str]]) -> None:
        self.table = table
        self.calls: list[str] = []

    async def __call__(self, host: str, port: int) -> list[str]:
        self.calls.append(host)
        if host not in self.table:
            raise OSError(f"{host} does not resolve")
        return self.table[host]


def _certificate(directory: Path, name: str) -> tuple[Path, Path, Path]:
    """A throw-away CA and a certificate for `name` only (not for 127.0.0.1)."""
    now = dt.datetime.now(dt.UTC)

    def build(
        subject: str,
        issuer_key: ec.EllipticCurvePrivateKey,
        key: ec.EllipticCurvePrivateKey,
        ca: bool,
    ) -> x509.Certificate:
        builder = (
            x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
            .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test CA")]))
            .public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - dt.timedelta(minutes=5))
            .not_valid_after(now + dt.timedelta(hours=1))
            .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        )
        if not ca:
            builder = builder.add_extension(
                x509.SubjectAlternativeName([x509.DNSName(subject)]), critical=False
            )
        return builder.sign(issuer_key, hashes.SHA256())

    ca_key, leaf_key = (
        ec.generate_private_key(ec.SECP256R1()),
        ec.generate_private_key(ec.SECP256R1()),
    )
    ca_cert = build("test CA", ca_key, ca_key, ca=True)
    leaf_cert = build(name, ca_key, leaf_key, ca=False)
    paths = directory / "ca.pem", directory / "cert.pem", directory / "key.pem"
    paths[0].write_bytes(ca_cert.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(leaf_cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        leaf_key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return paths


async def _post(egress: Egress, url: str) -> tuple[int | None, str | None]:
    outcome = await egress.post(url, b"{}", {"Content-Type": "application/json"})
    return outcome.status_code, outcome.error


async def test_delivery_connects_to_the_checked_address_with_the_name_in_host_and_tls(
    tmp_path: Path,
) -> None:
    ca, cert, key = _certificate(tmp_path, "hooks.example.com")
    trust = ssl.create_default_context(cafile=str(ca))
    receiver = Receiver()
    with serve(receiver.app(), ssl_certfile=str(cert), ssl_keyfile=str(key)) as base:
        port = base.rsplit(":", 1)[1]
        url = f"https://hooks.example.com:{port}/c"
        resolve = StubResolver({"hooks.example.com": ["127.0.0.1"]})
        async with Egress((), resolve=resolve, verify=trust) as refusing:
            assert await _post(refusing, url) == (None, "connection failed")
        assert receiver.received() == [] and resolve.calls == ["hooks.example.com"]

        resolve.calls.clear()
        async with Egress(LOOPBACK, resolve=resolve, verify=trust) as allowing:
            assert await _post(allowing, url) == (200, None)
            # The certificate names hooks.example.com only: connecting by address without
            # the name in SNI and in the certificate check would have failed.
            assert await _post(allowing, f"https://127.0.0.1:{port}/c") == (
                None,
                "connection failed",
            )
        assert resolve.calls == ["hooks.example.com"]  # once: no second look-up to rebind
    [arrival] = receiver.received()
    assert arrival.headers["host"] == f"hooks.example.com:{port}"


async def test_rebinding_and_mixed_answers_are_refused_before_connecting() -> None:
    receiver = Receiver()
    with serve(receiver.app()) as base:
        port = int(base.rsplit(":", 1)[1])
        resolve = StubResolver(
            {
                "mixed.example.com": ["8.8.8.8", "127.0.0.1"],
                "mapped.example.com": ["::ffff:127.0.0.1"],
                "rebind.example.com": ["127.0.0.1"],
            }
        )
        async with Egress((), resolve=resolve) as egress:
            for name in ("mixed", "mapped", "rebind", "missing"):
                url = f"https://{name}.example.com:{port}/c"
                assert await _post(egress, url) == (None, "connection failed")
    assert receiver.received() == []


async def test_redirects_are_not_followed_and_errors_stay_coarse() -> None:
    receiver = Receiver(script=[302, 503, 404])
    with serve(receiver.app()) as base:
        async with Egress(LOOPBACK) as egress:
            assert await _post(egress, f"{base}/c") == (302, "HTTP 3xx")
            assert await _post(egress, f"{base}/c") == (503, "HTTP 5xx")
            assert await _post(egress, f"{base}/c") == (404, "HTTP 4xx")
            nobody = f"http://127.0.0.1:{free_port()}/c"  # nothing listens there
            assert await _post(egress, nobody) == (None, "connection failed")
    assert [a.path for a in receiver.received()] == ["/c"] * 3  # never /redirected


async def test_a_slow_receiver_times_out() -> None:
    receiver = Receiver(delay_seconds=3)
    with serve(receiver.app()) as base:
        async with Egress(LOOPBACK, timeout_seconds=0.5) as egress:
            assert await _post(egress, f"{base}/c") == (None, "timeout")


@pytest.mark.parametrize("url", INTERNAL_URLS + MALFORMED_URLS)
async def test_stored_internal_urls_fail_at_delivery_without_a_look_up(url: str) -> None:
    """Rows registered before these rules (or by hand) are refused again when sent."""

    async def resolve(host: str, port: int) -> list[str]:
        raise AssertionError(f"{host} must be refused before any look-up")

    never: Resolver = resolve
    async with Egress((), resolve=never, timeout_seconds=2) as egress:
        assert await _post(egress, url) == (None, "connection failed")
