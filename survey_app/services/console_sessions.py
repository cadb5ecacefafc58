"""Console sign-ins kept on the server: a session ends for good when its holder signs out, changes the password,
or the account is deactivated, however many copies of its cookie exist."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import User, UserSession
from survey_app.services.tokens import new_token, token_hash

#: the key of the session token in the signed session cookie
SESSION_TOKEN = "console_session"
MIN_PASSWORD_LENGTH = 10


def start_session(user: User) -> str:
    """A new server-side session for ``user``; returns its token, for the session cookie only."""
    token = new_token()
    db.session.add(UserSession(user_id=user.id, token_hash=token_hash(token)))
    db.session.flush()
    return token


def session_user(user_id: str, token: str | None) -> User | None:
    """The active account ``user_id`` if ``token`` is one of its live sessions; None otherwise."""
    if not token or len(token) > 128 or not user_id.isdigit():
        return None
    row = db.session.scalar(sa.select(UserSession).filter_by(token_hash=token_hash(token)))
    if row is None or row.user_id != int(user_id):
        return None
    user = db.session.get(User, row.user_id)
    return user if user is not None and user.active else None


def end_session(token: str | None) -> None:
    """End the session with this token (signing out)."""
    if token and len(token) <= 128:
        db.session.execute(sa.delete(UserSession).where(UserSession.token_hash == token_hash(token)))


def end_all_sessions(user: User) -> int:
    """End every session of ``user`` (password changed, account deactivated); returns how many ended."""
    return db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id)).rowcount


def change_password(user: User, current: str, new: str) -> None:
    """Set a new password after checking the current one; every session of the account ends (the caller starts
    a new one for the request that changed it). ValueError says what is wrong."""
    if not user.check_password(current):
        raise ValueError("the current password is wrong")
    check_new_password(new)
    if new == current:
        raise ValueError("the new password is the same as the current one")
    user.set_password(new)
    end_all_sessions(user)
    db.session.flush()


def reset_password(user: User, new: str) -> int:
    """Set a new password without the current one (the operator's ``set-password`` command): every session of the
    account ends and a lock after failed sign-ins is lifted; returns how many sessions ended. ValueError says what
    is wrong with the password."""
    check_new_password(new)
    user.set_password(new)
    user.failed_logins = 0
    user.locked_until = None
    ended = end_all_sessions(user)
    db.session.flush()
    return ended


def check_new_password(new: str) -> None:
    """ValueError when ``new`` is not good enough for a console password (the same rule everywhere)."""
    if len(new) < MIN_PASSWORD_LENGTH:
        raise ValueError(f"a password needs at least {MIN_PASSWORD_LENGTH} characters")
