"""The instruction counter's reader: callgrind's totals over the requests counted."""

import pytest

from bench.instructions import instructions_per_request

CALLGRIND_OUTPUT = """# callgrind format
version: 1
creator: callgrind-3.19.0
cmd: python -m bench.instructions
events: Ir
summary: 0
totals: 348160000
"""


def test_the_totals_are_shared_over_the_requests() -> None:
    assert instructions_per_request(CALLGRIND_OUTPUT, 20) == 17_408_000


def test_output_without_totals_is_refused() -> None:
    with pytest.raises(ValueError, match="no totals"):
        instructions_per_request("events: Ir\nsummary: 0\n", 20)
