"""The CSRF token of the survey pages, made and checked with one HMAC-SHA256 call each.

Flask-WTF signs and checks its token through an itsdangerous serializer it builds again for every call: about
50 microseconds for each page view and again for each post, a tenth of what a survey page costs besides gunicorn.
The console keeps Flask-WTF; the survey pages (``respond.respond``, exempt from CSRFProtect) use this token,
which protects the same way:

- it is bound to the same random secret Flask-WTF keeps in the session (``WTF_CSRF_FIELD_NAME``), so a page
  posted from another site, which cannot read the victim's session or page, cannot carry a valid token;
- it is signed with ``WTF_CSRF_SECRET_KEY`` (else ``SECRET_KEY``) and expires after ``WTF_CSRF_TIME_LIMIT``
  seconds when that is set; while ``SECRET_KEY`` is being rotated, a page signed with a key in
  ``SECRET_KEY_FALLBACKS`` is still accepted (as the session cookie is), so nobody loses a page they were filling in;
- every page view gets a different token (8 random bytes in it), so the page never repeats a secret that
  compression could reveal (BREACH); Flask-WTF's changed once a second.

Token: ``base64url(nonce 8 bytes + issued 4 bytes) "." base64url(HMAC-SHA256(key, session secret "." first part))``.
A refused token raises Flask-WTF's CSRFError, so the app's one error page for it applies.
"""

from __future__ import annotations

import binascii
import secrets
import time
from functools import lru_cache

from flask import current_app, session
from flask_wtf.csrf import CSRFError

from survey_app.signing import b64url, b64url_decode, derive_key, signature, signed_by

#: kept apart from every other use of the secret key
PURPOSE = b"manyi survey page csrf"


@lru_cache(maxsize=8)
def _key(secret: str | bytes) -> bytes:
    return derive_key(secret, PURPOSE)


def _signing_key() -> bytes:
    config = current_app.config
    return _key(config.get("WTF_CSRF_SECRET_KEY") or config["SECRET_KEY"])


def _checking_keys() -> list[bytes]:
    """The signing key, then (when the token is signed with ``SECRET_KEY``) those of ``SECRET_KEY_FALLBACKS``."""
    config = current_app.config
    if config.get("WTF_CSRF_SECRET_KEY"):
        return [_signing_key()]
    return [_signing_key(), *(_key(old) for old in config.get("SECRET_KEY_FALLBACKS") or ())]


def _session_secret(create: bool) -> str | None:
    field = current_app.config.get("WTF_CSRF_FIELD_NAME", "csrf_token")
    secret = session.get(field)
    if secret is None and create:
        secret = session[field] = secrets.token_hex(20)
    return secret


def _message(secret: str, head: str) -> bytes:
    return f"{secret}.{head}".encode()


def page_token() -> str:
    """A new token for a survey page (storing the session's secret first if it has none)."""
    secret = _session_secret(create=True)
    assert secret is not None
    head = b64url(secrets.token_bytes(8) + int(time.time()).to_bytes(4, "big"))
    return f"{head}.{signature(_signing_key(), _message(secret, head))}"


def check_page_token(token: str | None) -> None:
    """Raise CSRFError (400) unless ``token`` was made by ``page_token`` for this session and has not expired.

    Does nothing when ``WTF_CSRF_ENABLED`` is false, like CSRFProtect.
    """
    if not current_app.config.get("WTF_CSRF_ENABLED", True):
        return
    if not token:
        raise CSRFError("The CSRF token is missing.")
    secret = _session_secret(create=False)
    if secret is None:
        raise CSRFError("The CSRF session token is missing.")
    head, _, sent = token.partition(".")
    if not signed_by(_checking_keys(), _message(secret, head), sent):
        raise CSRFError("The CSRF token is invalid.")
    limit = current_app.config.get("WTF_CSRF_TIME_LIMIT")
    if limit is not None:
        try:
            issued = int.from_bytes(b64url_decode(head)[8:12], "big")
        except (binascii.Error, ValueError):  # cannot happen for a correctly signed head; no 500 if it did
            raise CSRFError("The CSRF token is invalid.") from None
        if time.time() - issued > limit:
            raise CSRFError("The CSRF token has expired.")
