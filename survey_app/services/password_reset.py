"""A forgotten console password: a link by email that sets a new one, once, within the hour.

Whoever asks learns nothing about the address: :func:`ask_for_reset` does all the work - looking the address up,
storing the link, writing and sending the message - in a thread after the answer, so the answer is the same, in the
same time, for any address. An unknown or deactivated address gets no message; a locked account gets its message
like any other (setting a new password lifts the lock).
"""

from __future__ import annotations

import hashlib
import threading
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask

from survey_app.extensions import db
from survey_app.models import AccountLink, User
from survey_app.models.types import utcnow
from survey_app.services.account_links import INVALID, USED, LinkRefused, claim, find, issue
from survey_app.services.console_sessions import reset_password
from survey_app.services.mail.account_mail import console_url, in_background, reset_message, send_now

#: how long a reset link works
RESET_LIFETIME = timedelta(minutes=60)
#: expired reset links are deleted this long after they expired (until then, opening one says it expired)
KEEP_EXPIRED = timedelta(days=1)


def password_stamp(user: User) -> str:
    """A fingerprint of the account's current password: a link sent before the password changed no longer works."""
    return hashlib.sha256(user.password_hash.encode()).hexdigest()


def request_reset(email: str, *, now: datetime | None = None) -> tuple[User, str] | None:
    """A reset link for the active account of ``email``, with its token; None for an address without one (the
    caller answers exactly as when there is one)."""
    now = now or utcnow()
    db.session.execute(sa.delete(AccountLink).where(AccountLink.kind == "reset",
                                                    AccountLink.expires_at < now - KEEP_EXPIRED))
    user = db.session.scalar(sa.select(User).filter_by(email=email.strip().lower()))
    if user is None or not user.active:
        return None
    _, token = issue("reset", user.email, lifetime=RESET_LIFETIME, now=now, user_id=user.id,
                     password_stamp=password_stamp(user))
    return user, token


def ask_for_reset(app: Flask, email: str, *, lang: str) -> threading.Thread:
    """Send a reset link to ``email`` if it is the address of an active account, from a thread of its own (see the
    module's docstring); returns the thread."""
    return in_background(app, lambda: send_reset_link(email, lang=lang))


def send_reset_link(email: str, *, lang: str, now: datetime | None = None) -> bool:
    """Store a reset link for the active account of ``email`` and send it in ``lang``; False, and nothing sent, for
    an address without one. Commits (it runs outside any request), then sends: the link works once it is stored."""
    found = request_reset(email, now=now)
    db.session.commit()
    if found is None:
        return False
    user, token = found
    send_now(reset_message(to=user.email, link=console_url("admin.reset_password", token=token, lang=lang),
                           lang=lang, minutes=int(RESET_LIFETIME.total_seconds() // 60)))
    return True


def reset_link(token: str, *, now: datetime | None = None) -> tuple[AccountLink, User]:
    """The usable reset link with ``token`` and its account; LinkRefused says why it cannot be used."""
    link = find("reset", token, now=now or utcnow())
    user = db.session.get(User, link.user_id) if link.user_id is not None else None
    if user is None or not user.active:
        raise LinkRefused(INVALID)
    if link.password_stamp != password_stamp(user):
        raise LinkRefused(USED)  # the password changed since the link was sent (through another link, or signed in)
    return link, user


def complete_reset(token: str, new: str, *, now: datetime | None = None) -> User:
    """Set the new password through the link with ``token``: the link is used up, every other reset link of the
    account stops working, a lock after failed sign-ins is lifted and every session of the account ends.
    LinkRefused for a link that cannot be used, ValueError for a password that is not good enough (the caller
    rolls back, so the link stays usable)."""
    now = now or utcnow()
    link, user = reset_link(token, now=now)
    claim(link, now=now)
    reset_password(user, new)
    db.session.execute(sa.update(AccountLink).where(AccountLink.kind == "reset", AccountLink.user_id == user.id,
                                                    AccountLink.used_at.is_(None)).values(used_at=now))
    db.session.flush()
    return user
