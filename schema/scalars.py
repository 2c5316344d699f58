"""Scalars whose definitions the service refines.

`Decimal` keeps Strawberry's parsing and serialisation (a string such as "98000.00"; numbers
are accepted too) and names the specification of its text form, the "to-number" syntax of the
General Decimal Arithmetic Specification that Python's decimal module implements, so that
clients and schema-driven tools (fuzzers, code generators) know what to send. Values out of a
field's range (NaN, infinities, too many digits) are refused by the domain as `INVALID`."""

import dataclasses
import decimal

from strawberry.schema.types.base_scalars import DecimalDefinition
from strawberry.types.scalar import ScalarDefinition

DECIMAL_SPECIFICATION = "https://speleotrove.com/decimal/daconvs.html#refnumsyn"

DECIMAL: ScalarDefinition = dataclasses.replace(
    DecimalDefinition,
    description='Decimal (fixed-point), as a string such as "98000.00"',
    specified_by_url=DECIMAL_SPECIFICATION,
    implementation=None,
)

SCALAR_OVERRIDES = {decimal.Decimal: DECIMAL}
