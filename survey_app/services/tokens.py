"""Unguessable tokens, stored only as hashes."""

import hashlib
import secrets


def new_token() -> str:
    """A URL-safe random token of 192 bits."""
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    """SHA-256 hex digest under which a token is stored and looked up (a string that is not text - a URL can
    carry an unpaired surrogate - hashes too, and matches nothing)."""
    return hashlib.sha256(token.encode("utf-8", "surrogatepass")).hexdigest()
