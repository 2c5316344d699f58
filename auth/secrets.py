"""Client secrets: the hashing lives with the organisations' clients in the domain
(catalog/core/secrets.py); the token service checks secrets with the same functions."""

from catalog.core.secrets import hash_secret, new_secret, verify_secret

__all__ = ["hash_secret", "new_secret", "verify_secret"]
