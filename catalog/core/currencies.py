"""ISO 4217 currency codes an offer may be made in, read from ``currencies.json`` beside this
module: the circulating currencies of ISO 4217's list one, without fund codes, precious
metals, bond-market units, special drawing rights, the testing code and "no currency"
(XTS, XXX), and without codes already withdrawn (HRK, SLL, ANG, ZWL …)."""

import json
from importlib import resources

EUR = "EUR"


def _codes() -> frozenset[str]:
    text = resources.files("catalog.core").joinpath("currencies.json").read_text(encoding="utf-8")
    codes = json.loads(text)
    if not all(isinstance(c, str) and len(c) == 3 and c.isascii() and c.isupper() for c in codes):
        raise ValueError("catalog/core/currencies.json: every entry must be a 3-letter code")
    return frozenset(codes)


CURRENCIES: frozenset[str] = _codes()


def is_currency(code: str) -> bool:
    """Whether `code` is exactly one of the accepted ISO 4217 codes (uppercase)."""
    return isinstance(code, str) and code in CURRENCIES
