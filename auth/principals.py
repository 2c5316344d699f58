"""Builds the Principal from a verified token and the organisation record as it is now."""

from auth.clients import ClientRecord
from auth.verify import VerifiedToken
from catalog.core.principal import Principal


def principal_for(token: VerifiedToken, client: ClientRecord) -> Principal:
    """Organisation, kind, country and vetting come from the database, never from the token;
    the token's scopes can only narrow what the client and its kind allow."""
    return Principal.for_organisation(
        client.org,
        subject=str(token.claims["sub"]),
        client_id=client.client_id,
        scopes=token.scopes & client.effective_scopes,
        officer_id=client.officer_id,
        officer_name=client.officer_name,
    )
