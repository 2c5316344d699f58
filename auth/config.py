"""What the token service reads from the application's settings."""

from typing import Protocol

from pydantic import BaseModel, Field

MAX_TOKEN_LIFETIME_SECONDS = 15 * 60
# Clock skew tolerated on `exp`, `iat` and `nbf`.
LEEWAY_SECONDS = 30


class ExternalIssuer(BaseModel):
    """An identity provider whose tokens we accept, mapped onto our organisations."""

    model_config = {"frozen": True}

    issuer: str
    jwks_url: str
    audience: str
    org_claim: str
    # claim value -> organisation slug; a value not listed here is refused
    organisations: dict[str, str] = Field(default_factory=dict)
    algorithms: list[str] = Field(default_factory=lambda: ["RS256", "ES256"])


class AuthSettings(Protocol):
    @property
    def issuer(self) -> str: ...
    @property
    def audience(self) -> str: ...
    @property
    def token_lifetime_seconds(self) -> int: ...
    @property
    def trusted_proxies(self) -> list[str]: ...
    @property
    def signing_key_cache_seconds(self) -> float: ...
    @property
    def external_issuers(self) -> list[ExternalIssuer]: ...
    @property
    def auth_client_cache(self) -> bool: ...
