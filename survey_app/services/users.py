"""Accounts."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.messages import N_, Listing, Quoted, Term, TranslatableError
from survey_app.models import User
from survey_app.models.user import ROLES

#: models.user.ROLES marked for translation (each role is also its message key)
ROLE_NAMES = (N_("admin"), N_("manager"), N_("hr"))


def create_user(email: str, password: str | None = None, *, role: str = "admin") -> tuple[User, str]:
    """Create an account; returns it with the password (generated when not given)."""
    email = email.strip().lower()
    if "@" not in email:
        raise TranslatableError(N_("%(email)s is not an email address"), email=Quoted(email))
    if role not in ROLES:
        raise TranslatableError(N_("role must be one of %(roles)s"), roles=Listing.of(map(Term, ROLES)))
    if db.session.scalar(sa.select(User.id).filter_by(email=email)) is not None:
        raise TranslatableError(N_("an account for %(email)s already exists"), email=email)
    password = password or secrets.token_urlsafe(12)
    if len(password) < 10:
        raise TranslatableError(N_("a password needs at least %(n)s characters"), n=10)
    user = User(email=email, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user, password
