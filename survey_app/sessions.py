"""The session cookie: Flask's cookie session, signed with one HMAC-SHA256 call of the standard library.

Flask signs its session cookie through itsdangerous, which builds a serializer, a signer and a derived key again
for every cookie read or written: about 50 microseconds for a cookie of two fields, on every request of every
respondent (a third of the time a survey page spent outside our own code). This signer derives its keys once and
keeps Flask's session semantics: the same tagged JSON payload (tuples, Markup, datetimes survive), the age limit
of ``PERMANENT_SESSION_LIFETIME``, key rotation through ``SECRET_KEY_FALLBACKS``, and a cookie that fails any check
opening as an empty session.

Cookie: ``base64url(payload) "." base64url(issued, 4 bytes) "." base64url(HMAC-SHA256(key, first two parts))``.
"""

from __future__ import annotations

import binascii
import time
from typing import Any

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, SignatureExpired

from survey_app.signing import b64url, b64url_decode, derive_key, signature, signed_by

#: kept apart from every other use of the secret key (itsdangerous's "salt")
PURPOSE = b"manyi session cookie"


class CookieSigner:
    """``dumps``/``loads`` as Flask's session interface calls them on its itsdangerous serializer."""

    def __init__(self, secret_keys: list[str | bytes], serializer: Any) -> None:
        # the signing key is derived once per secret: the current secret signs, every listed one verifies
        self.keys = [derive_key(key, PURPOSE) for key in secret_keys]
        self.serializer = serializer

    def dumps(self, value: dict[str, Any]) -> str:
        body = f"{b64url(self.serializer.dumps(value).encode())}.{b64url(int(time.time()).to_bytes(4, 'big'))}"
        return f"{body}.{signature(self.keys[0], body.encode())}"

    def loads(self, cookie: str, max_age: int | None = None) -> dict[str, Any]:
        """The session in ``cookie``; BadSignature when it was not signed with one of our keys, SignatureExpired
        when it is older than ``max_age`` seconds."""
        body, _, sent = cookie.rpartition(".")
        if not signed_by(self.keys, body.encode(errors="surrogateescape"), sent):
            raise BadSignature("session cookie signature does not match")
        payload, _, issued = body.partition(".")
        try:
            stamp = int.from_bytes(b64url_decode(issued), "big")
        except (binascii.Error, ValueError) as exc:
            raise BadSignature("malformed session cookie") from exc
        if max_age is not None and time.time() - stamp > max_age:
            raise SignatureExpired("session cookie is too old")
        return self.serializer.loads(b64url_decode(payload).decode())


class SessionInterface(SecureCookieSessionInterface):
    """Flask's secure cookie session with ``CookieSigner`` instead of itsdangerous, built once per set of keys."""

    def __init__(self) -> None:
        self._signers: dict[tuple[str | bytes, ...], CookieSigner] = {}

    def get_signing_serializer(self, app: Flask) -> CookieSigner | None:  # type: ignore[override]
        if not app.secret_key:
            return None
        keys = (app.secret_key, *(app.config.get("SECRET_KEY_FALLBACKS") or ()))
        signer = self._signers.get(keys)
        if signer is None:
            signer = self._signers[keys] = CookieSigner(list(keys), self.serializer)
        return signer


def init_app(app: Flask) -> None:
    """Use ``SessionInterface`` for ``app``'s session cookie."""
    app.session_interface = SessionInterface()
