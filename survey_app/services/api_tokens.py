"""Bearer tokens for the JSON API: created for an account, shown once, stored as a hash."""

from __future__ import annotations

import hmac
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import ApiToken, Survey, User
from survey_app.models.types import as_utc
from survey_app.services.accounts import may_see
from survey_app.services.submissions import API_CHANNELS
from survey_app.services.tokens import new_token, token_hash

#: last_used_at is written at most this often, so a busy kiosk does not turn every request into a write
LAST_USED_RESOLUTION = timedelta(minutes=1)
#: longer than any token new_token() makes; longer headers are not looked up at all
MAX_TOKEN_LENGTH = 128


def create_api_token(user: User, name: str, *, survey: Survey | None = None,
                     channel: str | None = None) -> tuple[ApiToken, str]:
    """Create a token acting as ``user``; returns it with the token text (shown only now).

    With ``survey`` and ``channel`` it is a *channel token*: it submits answers to that survey only, marked with
    that channel, and reads nothing. Anonymous surveys take API answers from channel tokens only.
    """
    name = name.strip()
    if not 1 <= len(name) <= 100:
        raise ValueError("a token name needs 1 to 100 characters (say where it is used, e.g. 'lobby kiosk')")
    if not user.active:
        raise ValueError(f"account {user.email} is deactivated; activate it before giving it a token")
    if (survey is None) != (channel is None):
        raise ValueError("a channel token names both its survey and its channel")
    if channel is not None and channel not in API_CHANNELS:
        raise ValueError(f"channel {channel!r} is not one of {', '.join(API_CHANNELS)}")
    if survey is not None and not may_see(user, survey):
        raise ValueError(f"account {user.email} may not see survey {survey.slug!r}; share it first")
    token = new_token()
    api_token = ApiToken(user_id=user.id, name=name, token_hash=token_hash(token),
                         survey_id=None if survey is None else survey.id, channel=channel)
    db.session.add(api_token)
    db.session.flush()
    return api_token, token


def bearer_token(header: str | None) -> str | None:
    """The token of an ``Authorization: Bearer <token>`` header, or None when there is none."""
    if not header:
        return None
    scheme, _, token = header.strip().partition(" ")
    token = token.strip()
    if scheme.lower() != "bearer" or not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    return token


def authenticate(header: str | None, *, now: datetime | None = None) -> User | None:
    """The active account behind a valid, unrevoked bearer token; None otherwise. Records when it was used."""
    found = authenticate_token(header, now=now)
    return None if found is None else found[0]


def authenticate_token(header: str | None, *, now: datetime | None = None) -> tuple[User, ApiToken] | None:
    """The active account and the valid, unrevoked token of a bearer header; None otherwise."""
    token = bearer_token(header)
    if token is None:
        return None
    digest = token_hash(token)
    api_token = db.session.scalar(sa.select(ApiToken).filter_by(token_hash=digest))
    # the lookup is by hash; compare again in constant time so no timing tells how much of a hash matched
    if api_token is None or not hmac.compare_digest(api_token.token_hash, digest):
        return None
    if api_token.revoked_at is not None:
        return None
    user = db.session.get(User, api_token.user_id)
    if user is None or not user.active:
        return None
    now = now or datetime.now(UTC)
    if api_token.last_used_at is None or now - as_utc(api_token.last_used_at) >= LAST_USED_RESOLUTION:
        api_token.last_used_at = now
        db.session.flush()
    return user, api_token


def revoke(api_token: ApiToken, *, now: datetime | None = None) -> None:
    """Stop accepting the token (kept for the record; revoking twice keeps the first time)."""
    if api_token.revoked_at is None:
        api_token.revoked_at = now or datetime.now(UTC)
        db.session.flush()
