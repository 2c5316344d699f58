"""Holding writing benchmark runs against the database: success detection and the tally."""

import re
from pathlib import Path

import pytest

from bench.ledger import ERRORS_LISTED, is_success, key_prefix, reconcile
from bench.loadgen import KeyedCounts
from bench.scenarios import KEY_PLACEHOLDER, Variant

KEY = "graphqlab12cd34ef56-1-7"
CREATED = (
    '{"data":{"requestQuote":{"quoteRequest":{"id":"UXVvdGU6MQ==","status":"LICENSING_REVIEW",'
    f'"notes":"{KEY}","licensingCase":{{"id":"Q2FzZTox"}}}},"errors":[]}}}}'
)
REFUSED = (
    '{"data":{"requestQuote":{"quoteRequest":null,'
    '"errors":[{"field":"quantity","message":"only 0 units","code":"INVALID"}]}}}'
)


def test_a_success_names_its_key_with_status_200_and_no_errors() -> None:
    assert is_success(KEY, 200, CREATED)
    assert not is_success(KEY, 500, CREATED)
    assert not is_success("graphqlab12cd34ef56-1-8", 200, CREATED)
    assert not is_success(KEY, 200, REFUSED.replace('"field"', f'"k":"{KEY}","field"'))
    top_level = '{"errors":[{"message":"boom"}],"data":null,"k":"' + KEY + '"}'
    assert not is_success(KEY, 200, top_level)


def test_the_errors_pattern_matches_the_lua_one_on_spacing() -> None:
    assert ERRORS_LISTED.search('"errors": [ {"x":1}]')
    assert not ERRORS_LISTED.search('"errors": [ ]')
    lua = (Path(__file__).resolve().parent.parent / "bench" / "wrk_keyed.lua").read_text()
    assert '"errors"%s*:%s*%[%s*{' in lua  # keep both in step


def _counts(sent: int, successes: int, pending: int) -> KeyedCounts:
    return KeyedCounts(sent, sent - pending, successes, tuple(f"k-1-{i}" for i in range(pending)))


def test_rows_written_must_equal_the_successes_retries_included() -> None:
    ledger = reconcile(
        "1", _counts(120, 100, 20), 20, {"quotes": 10, "cases": 10}, {"quotes": 130, "cases": 130}
    )
    assert ledger.agreed
    assert (ledger.successes, ledger.retried, ledger.refused) == (120, 20, 0)
    assert ledger.written == {"quotes": 120, "cases": 120}
    assert "agree" in ledger.summary()


@pytest.mark.parametrize(
    ("quotes", "cases"),
    [(131, 131), (130, 129), (129, 129)],
    ids=["one quote too many", "a quote without a case", "a success without its rows"],
)
def test_any_difference_is_a_mismatch(quotes: int, cases: int) -> None:
    ledger = reconcile(
        "2",
        _counts(120, 100, 20),
        20,
        {"quotes": 10, "cases": 10},
        {"quotes": quotes, "cases": cases},
    )
    assert not ledger.agreed
    assert "MISMATCH" in ledger.summary()


def test_refusals_are_counted_and_written_nothing() -> None:
    ledger = reconcile("warm-up", _counts(50, 40, 10), 0, {"q": 0}, {"q": 40})
    assert ledger.agreed and ledger.refused == 10


def test_nothing_counted_is_no_agreement() -> None:
    with pytest.raises(ValueError, match="different tables"):
        reconcile("1", _counts(1, 1, 0), 0, {"q": 0}, {"p": 1})
    assert not reconcile("1", _counts(1, 1, 0), 0, {}, {}).agreed


def test_keys_are_fresh_and_safe_for_the_lua_pattern() -> None:
    first, second = key_prefix("product(id)"), key_prefix("product(id)")
    assert first != second
    assert re.fullmatch(r"[A-Za-z0-9]+", first) and first.startswith("productid")


def test_a_keyed_body_gets_the_key_everywhere_the_placeholder_stands() -> None:
    body = f'{{"notes":"{KEY_PLACEHOLDER}","idempotencyKey":"{KEY_PLACEHOLDER}"}}'.encode()
    variant = Variant("graphql", "/graphql", body, keyed=True)
    assert variant.body_with_key("k-1-1") == b'{"notes":"k-1-1","idempotencyKey":"k-1-1"}'
