"""authlib's authorization server, adapted to Starlette and to an async database.

authlib's server is synchronous: it asks `query_client(client_id)` and expects an answer at
once. So the async endpoint loads every client the request names *before* handing the request
to authlib, and a fresh server is built per request around those records (building one is a few
dictionary writes). authlib then does the protocol work: client authentication
(client_secret_basic / client_secret_post), grant dispatch, scope checks and error responses.
"""

from typing import Any

from authlib.oauth2.rfc6749 import AuthorizationServer, ClientMixin
from authlib.oauth2.rfc6749.errors import InvalidScopeError
from authlib.oauth2.rfc6749.grants import ClientCredentialsGrant
from authlib.oauth2.rfc6749.requests import BasicOAuth2Payload, OAuth2Request
from authlib.oauth2.rfc9068 import JWTBearerTokenGenerator
from joserfc.jwk import ECKey, KeySet

from auth import scopes as scope_set
from auth.clients import ClientRecord
from auth.keys import ALGORITHM

AUTH_METHODS = ["client_secret_basic", "client_secret_post"]


class StarletteOAuth2Request(OAuth2Request):
    def __init__(self, method: str, uri: str, headers: Any, form: dict[str, str]) -> None:
        super().__init__(method, uri, headers=headers)
        self._form = form
        self.payload = BasicOAuth2Payload(form)

    @property
    def args(self) -> dict[str, str]:
        return {}

    @property
    def form(self) -> dict[str, str]:
        return self._form


class Client(ClientMixin):
    """authlib's view of one of our clients: confidential, client_credentials only."""

    def __init__(self, record: ClientRecord) -> None:
        self.record = record

    def get_client_id(self) -> str:
        return self.record.client_id

    def get_default_redirect_uri(self) -> None:
        return None

    def get_allowed_scope(self, scope: str | None) -> str | None:
        allowed = self.record.effective_scopes
        granted = allowed if not scope else scope_set.parse(scope) & allowed
        return scope_set.render(granted) if granted else None

    def check_redirect_uri(self, redirect_uri: str) -> bool:
        return False

    def check_client_secret(self, client_secret: str) -> bool:
        return self.record.check_secret(client_secret)

    def check_endpoint_auth_method(self, method: str, endpoint: str) -> bool:
        return method in AUTH_METHODS

    def check_response_type(self, response_type: str) -> bool:
        return False

    def check_grant_type(self, grant_type: str) -> bool:
        return bool(grant_type == ClientCredentialsGrant.GRANT_TYPE)  # authlib is untyped


class ClientCredentials(ClientCredentialsGrant):
    TOKEN_ENDPOINT_AUTH_METHODS = AUTH_METHODS

    def validate_requested_scope(self) -> None:
        """`scope` may narrow the client's scopes, never widen them."""
        requested = scope_set.parse(self.request.payload.scope)
        allowed = self.request.client.record.effective_scopes
        if not allowed:
            raise InvalidScopeError("the client holds no scope its organisation may use")
        refused = requested - allowed
        if refused:
            raise InvalidScopeError(
                f"scope not allowed for this client: {scope_set.render(refused)}"
            )


class AccessTokenGenerator(JWTBearerTokenGenerator):
    """RFC 9068 access tokens: `typ: at+jwt`, signed with the current key (its `kid` set)."""

    def __init__(self, *, issuer: str, audience: str, lifetime: int, key: ECKey) -> None:
        super().__init__(issuer, alg=ALGORITHM, expires_generator=lifetime)
        self.audience = audience
        self.key = key

    def get_jwks(self) -> KeySet:
        return KeySet([self.key])

    def get_audiences(self, client: Client, user: object, scope: str) -> str:
        return self.audience

    def get_extra_claims(
        self, client: Client, grant_type: str, user: object, scope: str
    ) -> dict[str, str]:
        return {"org": str(client.record.org.id)}


class TokenServer(AuthorizationServer):
    """One request's authorization server, knowing only the clients that request names."""

    def __init__(self, clients: dict[str, ClientRecord]) -> None:
        super().__init__(scopes_supported=sorted(scope_set.ALL_SCOPES))
        self._clients = clients
        self.register_grant(ClientCredentials)

    def query_client(self, client_id: str) -> Client | None:
        record = self._clients.get(client_id)
        return Client(record) if record is not None and not record.revoked else None

    def save_token(self, token: dict[str, Any], request: OAuth2Request) -> None:
        """Self-contained JWTs: nothing to store. Revocation works through the jti denylist."""

    def create_oauth2_request(self, request: OAuth2Request) -> OAuth2Request:
        return request

    def handle_response(
        self, status: int, body: Any, headers: list[tuple[str, str]]
    ) -> tuple[int, Any, dict[str, str]]:
        return status, body, dict(headers)

    def send_signal(self, name: str, *args: Any, **kwargs: Any) -> None:
        """No signal receivers in this service."""
