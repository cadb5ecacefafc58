"""Single-use links of the console's accounts, sent by email (a forgotten password, an invitation): a random token
of which only the hash is stored, looked up by that hash, and claimed once in one conditional statement."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AccountLink
from survey_app.models.types import as_utc
from survey_app.services.tokens import new_token, token_hash

#: why a link cannot be used: no such link (mistyped, cut short, withdrawn), past its time, or used already
INVALID, EXPIRED, USED = "invalid", "expired", "used"
#: longer than any token :func:`new_token` makes: refused before it is hashed
MAX_TOKEN_LENGTH = 128


class LinkRefused(ValueError):
    """A link that cannot be used; ``reason`` is :data:`INVALID`, :data:`EXPIRED` or :data:`USED`."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"the link is {reason}")
        self.reason = reason


def issue(kind: str, email: str, *, lifetime: timedelta, now: datetime, **fields) -> tuple[AccountLink, str]:
    """A new link of ``kind`` for ``email``, usable until ``now + lifetime``; returns it with its token, which is
    stored nowhere (it goes into the message)."""
    token = new_token()
    link = AccountLink(kind=kind, token_hash=token_hash(token), email=email, created_at=now,
                       expires_at=now + lifetime, **fields)
    db.session.add(link)
    db.session.flush()
    return link, token


def find(kind: str, token: str, *, now: datetime) -> AccountLink:
    """The usable link of ``kind`` with ``token``; LinkRefused says why there is none."""
    link = None
    if token and len(token) <= MAX_TOKEN_LENGTH:
        link = db.session.scalar(sa.select(AccountLink).filter_by(kind=kind, token_hash=token_hash(token)))
    if link is None:
        raise LinkRefused(INVALID)
    if link.used_at is not None:
        raise LinkRefused(USED)
    if as_utc(link.expires_at) <= now:
        raise LinkRefused(EXPIRED)
    return link


def claim(link: AccountLink, *, now: datetime) -> None:
    """Mark ``link`` used, in one statement that only an unused link passes: of two requests with the same link
    (a double click, two tabs, two app processes), one claims it and the other gets LinkRefused(USED)."""
    claimed = db.session.execute(
        sa.update(AccountLink).where(AccountLink.id == link.id, AccountLink.used_at.is_(None))
        .values(used_at=now).execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        raise LinkRefused(USED)
    db.session.refresh(link, ["used_at"])
