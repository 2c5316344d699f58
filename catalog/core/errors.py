"""The one domain exception type. `schema/errors.py` maps it to a UserError or GraphQL error."""

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    message: str
    code: str
    field: str | None = None


class Codes:
    NOT_FOUND = "NOT_FOUND"
    FORBIDDEN = "FORBIDDEN"
    INVALID = "INVALID"
    INVALID_TRANSITION = "INVALID_TRANSITION"
    CONFLICT = "CONFLICT"
    EMBARGOED = "EMBARGOED"
    UNKNOWN_COUNTRY = "UNKNOWN_COUNTRY"
    # An export-control invariant forbids the step now (held case, product no longer visible
    # to the partner, partner not vetted, country embargoed or off the partner list).
    NOT_ALLOWED = "NOT_ALLOWED"
    INSUFFICIENT_UNITS = "INSUFFICIENT_UNITS"
    NOT_A_PARTNER_COUNTRY = "NOT_A_PARTNER_COUNTRY"
    # A value outside a closed list of codes (e.g. an unknown ISO 4217 currency).
    BAD_USER_INPUT = "BAD_USER_INPUT"


class DomainError(Exception):
    """Raised by domain functions with one or more problems; nothing has been written."""

    def __init__(self, problems: list[Problem]) -> None:
        if not problems:
            raise ValueError("a DomainError needs at least one problem")
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)

    @classmethod
    def one(cls, message: str, code: str, field: str | None = None) -> "DomainError":
        return cls([Problem(message=message, code=code, field=field)])

    @property
    def code(self) -> str:
        return self.problems[0].code


def not_found(what: str = "object", field: str | None = None) -> DomainError:
    """The same answer whether the object does not exist or the caller may not see it."""
    return DomainError.one(f"{what} not found", Codes.NOT_FOUND, field)
