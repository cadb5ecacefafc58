"""Accounts of the people who run surveys (admins, managers, HR)."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Mapped, mapped_column
from werkzeug.security import check_password_hash, generate_password_hash

from survey_app.extensions import db
from survey_app.models.types import utcnow

ROLES = ("admin", "manager", "hr")


class User(db.Model):
    __tablename__ = "user_account"

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    #: admin | manager | hr
    role: Mapped[str] = mapped_column(sa.String(16), default="manager")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    #: consecutive failed logins; reset by a successful one
    failed_logins: Mapped[int] = mapped_column(default=0)
    #: no login is accepted before this time (set after repeated failures)
    locked_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    active: Mapped[bool] = mapped_column(default=True)

    # Flask-Login protocol
    @property
    def is_active(self) -> bool:
        return self.active

    @property
    def is_authenticated(self) -> bool:
        return True

    @property
    def is_anonymous(self) -> bool:
        return False

    def get_id(self) -> str:
        return str(self.id)

    def set_password(self, password: str) -> None:
        self.password_hash = generate_password_hash(password, method=current_app.config["PASSWORD_HASH_METHOD"])

    def check_password(self, password: str) -> bool:
        return check_password_hash(self.password_hash, password)


class SurveyAccess(db.Model):
    """A survey shared with an account (admins see every survey without a row here)."""

    __tablename__ = "survey_access"
    __table_args__ = (sa.UniqueConstraint("survey_id", "user_id", name="uq_survey_access_survey_user"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)


class ApiToken(db.Model):
    """A bearer token for the JSON API, acting as its account; stored as a hash."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    #: SHA-256 of the token; the token is shown once when created
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    revoked_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: a channel token submits answers to this one survey only (kiosk, app, call centre) and reads nothing
    survey_id: Mapped[int | None] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    #: the channel its answers are marked with (a channel token only)
    channel: Mapped[str | None] = mapped_column(sa.String(16))


class UserSession(db.Model):
    """A signed-in console session; the cookie carries its token, so signing out or a password change ends it
    on the server and a copied cookie stops working."""

    __tablename__ = "user_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: SHA-256 of the session token (the token lives in the signed cookie only)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


#: what an account link lets its holder do: set a forgotten password, or create the account they were invited to
ACCOUNT_LINK_KINDS = ("reset", "invitation")


class AccountLink(db.Model):
    """A single-use, short-lived link sent by email: to set a forgotten password (``reset``) or to accept an
    invitation to the console (``invitation``; the account is made on acceptance). Stored as a hash."""

    __tablename__ = "account_link"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: reset | invitation
    kind: Mapped[str] = mapped_column(sa.String(16))
    #: SHA-256 of the link's token (the token travels in the message only)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: the address the link was sent to (lower case)
    email: Mapped[str] = mapped_column(sa.String(254), index=True)
    #: reset: the account; invitation: the account made when it was accepted
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    #: invitation: the role of the account it makes
    role: Mapped[str | None] = mapped_column(sa.String(16))
    #: invitation: the administrator who sent it
    invited_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    #: reset: SHA-256 of the account's password hash when the link was sent; a password changed since voids it
    password_stamp: Mapped[str | None] = mapped_column(sa.String(64))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    #: no use after this time
    expires_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    #: when it was used (set once, in the statement that claims it)
    used_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
