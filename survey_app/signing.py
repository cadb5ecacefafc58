"""HMAC-SHA256 signatures and unpadded base64url text, shared by the session cookie and the survey pages' token."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Iterable


def b64url(data: bytes) -> str:
    """``data`` as base64url text without padding."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    """The bytes of unpadded base64url ``text`` (binascii.Error or ValueError when it is not)."""
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def derive_key(secret: str | bytes, purpose: bytes) -> bytes:
    """A signing key for one ``purpose``, kept apart from every other use of ``secret``."""
    return hmac.digest(secret.encode() if isinstance(secret, str) else secret, purpose, hashlib.sha256)


def signature(key: bytes, message: bytes) -> str:
    """HMAC-SHA256 of ``message`` under ``key``, as base64url text."""
    return b64url(hmac.digest(key, message, hashlib.sha256))


def signed_by(keys: Iterable[bytes], message: bytes, sent: str) -> bool:
    """Whether ``sent`` is the ``signature`` of ``message`` under one of ``keys`` (compared in constant time).

    Compared encoded: decoding ``sent`` first would let characters outside the alphabet through (base64 skips them).
    """
    given = sent.encode(errors="surrogateescape")
    return any(hmac.compare_digest(signature(key, message).encode(), given) for key in keys)
