"""Signed unit links: a poster's QR code names its unit, so the unit comes from the poster and not from an answer.

The link is the survey's open link with ``?u=<unit code>.<signature>``: HMAC-SHA256 (``survey_app.signing``) of
the survey's slug and the unit's code under a key derived from ``SECRET_KEY`` for this purpose only, so a code
changed by hand, or a poster of one survey used on another, is not signed and is ignored (the link then works as
the open link). Keys of ``SECRET_KEY_FALLBACKS`` are accepted, so printed posters outlive a key rotation.
"""

from __future__ import annotations

from functools import cache
from urllib.parse import quote

import sqlalchemy as sa
from flask import current_app

from survey_app.models import Unit
from survey_app.signing import derive_key, signature, signed_by

#: kept apart from every other use of the secret key
PURPOSE = b"manyi unit link"
#: the query parameter of a unit link
PARAM = "u"
#: the longest parameter looked at (a unit code has at most 64 characters, a signature 43)
MAX_LENGTH = 200


def _message(slug: str, code: str) -> bytes:
    # the slug binds the signature to one survey; NUL never occurs in a slug
    return slug.encode() + b"\0" + code.encode(errors="surrogateescape")


def _keys() -> list[bytes]:
    config = current_app.config
    return [derive_key(secret, PURPOSE) for secret in (config["SECRET_KEY"], *(config.get("SECRET_KEY_FALLBACKS")
                                                                                or ()))]


def unit_parameter(slug: str, code: str) -> str:
    """The value of ``?u=`` that names unit ``code`` of survey ``slug``."""
    return f"{code}.{signature(_keys()[0], _message(slug, code))}"


def unit_link(base_url: str, slug: str, code: str) -> str:
    """The survey's open link naming unit ``code``: what a unit's QR code and poster carry."""
    return f"{base_url}/s/{slug}?{PARAM}={quote(unit_parameter(slug, code), safe='')}"


def signed_unit(slug: str, value: str | None) -> str | None:
    """The unit code that ``value`` (a ``?u=`` parameter) names for survey ``slug``, or None when it is missing,
    malformed or not signed by us."""
    if not value or len(value) > MAX_LENGTH or "." not in value:
        return None
    code, sent = value.rsplit(".", 1)
    return code if code and signed_by(_keys(), _message(slug, code), sent) else None


def unit_id_by_code(connection: sa.Connection, survey_id: int, code: str) -> int | None:
    """The id of survey ``survey_id``'s unit ``code`` (None when it has none: a unit deleted since printing)."""
    return connection.execute(_by_code(), {"survey_id": survey_id, "code": code}).scalar()


@cache
def _by_code() -> sa.Select:
    table = Unit.__table__
    return sa.select(table.c.id).where(table.c.survey_id == sa.bindparam("survey_id"),
                                       table.c.code == sa.bindparam("code"))
