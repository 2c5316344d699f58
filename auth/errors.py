"""Authentication failures. Every one of them is answered with HTTP 401 and no data."""


class InvalidToken(Exception):
    """The bearer token is missing, malformed, expired, wrongly signed or revoked."""

    def __init__(self, description: str, *, missing: bool = False) -> None:
        super().__init__(description)
        self.description = description
        self.missing = missing
