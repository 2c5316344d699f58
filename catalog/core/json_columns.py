"""How JSON columns are written and read on both databases: orjson where its text and values
are the standard library's, the standard library wherever the two could differ."""

import json
from typing import Any

import orjson

# Digits as "0" and nothing else changed: a run of 19 digits becomes a run of 19 zeros. A byte
# table is six times faster than the regular expression [0-9]{19} on a product's specs, which
# took longer than orjson's parse of them.
_DIGITS_AS_ZERO = bytes.maketrans(b"123456789", b"000000000")
_NINETEEN_DIGITS = b"0" * 19


def json_loads(text: str) -> Any:
    """JSON columns as Python values on both databases: orjson, several times faster on a
    page's specs. The standard decoder wherever the two could differ: orjson reads an integer
    past 64 bits as a float (any run of 19 digits sends the text to the standard decoder), and
    refuses what the standard one accepts (NaN, lone surrogates)."""
    try:
        raw = text.encode()
    except UnicodeEncodeError:  # a lone surrogate
        return json.loads(text)
    if _NINETEEN_DIGITS in raw.translate(_DIGITS_AS_ZERO):
        return json.loads(text)
    try:
        return orjson.loads(raw)
    except orjson.JSONDecodeError:
        return json.loads(text)


# What orjson would write differently from the standard encoder is left to the standard one:
# datetimes and dataclasses (refused by both), anything else orjson does not know.
_DUMPS_OPTIONS = orjson.OPT_PASSTHROUGH_DATETIME | orjson.OPT_PASSTHROUGH_DATACLASS
_NON_FINITE = (float("inf"), float("-inf"))


class FloatFree(dict[str, Any]):
    """A JSON object its builder makes of strings, integers, booleans, None and lists and
    objects of them, never a float: it cannot hold NaN or an infinity, so `json_dumps` writes
    it without reading it back. A licensing decision is one (`RoutingDecision.to_json`, held
    to it by its test): its explanation's nulls sent every new case's 40 kB through the
    read-back below."""


def _refuse(value: Any) -> Any:
    raise TypeError(f"{type(value).__name__} is not JSON")


def json_dumps(value: Any) -> str:
    """Python values as JSON column text on both databases: orjson, some fifteen times faster
    on a licensing decision's two-hundred-line explanation. Text that reads back as the
    standard encoder's does, or the standard encoder's own error:
    - orjson writes NaN and the infinities as null, so text holding a null whose value holds
      one of them is the standard encoder's. Only text that does not read back as its value
      is walked for them: reading back and comparing runs in C, three times faster than the
      walk over a decision's explanation, whose nulls are every rule's `failed_condition`;
    - so is anything orjson refuses: a key that is not a string, an integer past 64 bits, a
      lone surrogate, a type neither knows (Decimal, a set), datetimes and dataclasses (passed
      through to be refused);
    - orjson leaves non-ASCII characters unescaped, which changes no value;
    - orjson writes a UUID and an enum member as their values where the standard encoder
      refuses them; the columns' values never hold either (they come from JSON documents or
      are built as plain values)."""
    try:
        text = orjson.dumps(value, default=_refuse, option=_DUMPS_OPTIONS)
    except TypeError:
        return json.dumps(value)
    if (
        b"null" in text
        and type(value) is not FloatFree
        and orjson.loads(text) != value
        and _holds_non_finite(value)
    ):
        return json.dumps(value)
    return text.decode()


def _holds_non_finite(value: Any) -> bool:
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, float) and (item != item or item in _NON_FINITE):
            return True
        if isinstance(item, dict):
            pending.extend(item.values())
        elif isinstance(item, list | tuple):
            pending.extend(item)
    return False
