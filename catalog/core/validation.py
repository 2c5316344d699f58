"""Small input checks that produce Problems (collected, so all are reported at once)."""

from decimal import Decimal

from catalog.core.errors import Codes, Problem


def check_length(field: str, value: str | None, minimum: int, maximum: int) -> Problem | None:
    if value is None:
        return None
    if not minimum <= len(value) <= maximum:
        return Problem(
            f"{field} must be between {minimum} and {maximum} characters", Codes.INVALID, field
        )
    return None


def check_range(
    field: str, value: int | Decimal | None, minimum: int, maximum: int
) -> Problem | None:
    if value is None:
        return None
    if isinstance(value, Decimal) and value.is_nan():  # NaN compares with nothing
        return Problem(f"{field} must be a number", Codes.INVALID, field)
    if not minimum <= value <= maximum:
        return Problem(f"{field} must be between {minimum} and {maximum}", Codes.INVALID, field)
    return None


def collect(*checks: Problem | None) -> list[Problem]:
    return [problem for problem in checks if problem is not None]
