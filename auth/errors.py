"""Authentication failures. Every one of them is answered with HTTP 401 and no data."""


class InvalidToken(Exception):
    """The bearer token is missing, malformed, expired, wrongly signed or revoked."""

    def __init__(self, description: str, *, missing: bool = False) -> None:
        super().__init__(description)
        self.description = description
        self.missing = missing

    @property
    def challenge(self) -> str:
        """The `WWW-Authenticate` value. RFC 6750 §3.1: a request without bearer credentials
        (no Authorization header, or another scheme) gets no error code."""
        return "Bearer" if self.missing else 'Bearer error="invalid_token"'
