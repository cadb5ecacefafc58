"""Accounts."""

from __future__ import annotations

import secrets

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import User
from survey_app.models.user import ROLES


def create_user(email: str, password: str | None = None, *, role: str = "admin") -> tuple[User, str]:
    """Create an account; returns it with the password (generated when not given)."""
    email = email.strip().lower()
    if "@" not in email:
        raise ValueError(f"{email!r} is not an email address")
    if role not in ROLES:
        raise ValueError(f"role must be one of {ROLES}")
    if db.session.scalar(sa.select(User.id).filter_by(email=email)) is not None:
        raise ValueError(f"an account for {email} already exists")
    password = password or secrets.token_urlsafe(12)
    if len(password) < 10:
        raise ValueError("a password needs at least 10 characters")
    user = User(email=email, role=role)
    user.set_password(password)
    db.session.add(user)
    db.session.flush()
    return user, password
