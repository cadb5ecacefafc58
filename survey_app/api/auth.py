"""Bearer-token authentication and survey access for API views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from survey_app.api.errors import ApiError
from survey_app.extensions import db
from survey_app.models import ApiToken, Survey, User
from survey_app.services.accounts import may_see
from survey_app.services.api_tokens import authenticate_token
from survey_app.services.surveys import get_survey

REALM = 'Bearer realm="manyi"'


def token_required(view: Callable[..., Any] | None = None, *,
                   channel_tokens: bool = False) -> Callable[..., Any]:
    """Run ``view`` as the token's account (``g.api_user``) and commit once it succeeds: the request's edge.

    A channel token (made for one survey's answers) is refused (403) unless ``channel_tokens``.
    """
    if view is None:
        return lambda inner: token_required(inner, channel_tokens=channel_tokens)

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization")
        found = authenticate_token(header)
        if found is None:
            # RFC 6750: no error code when no credentials came, invalid_token when they did not work
            challenge = REALM if not header else REALM + ', error="invalid_token"'
            message = ("send the header 'Authorization: Bearer <token>'" if not header
                       else "the token is unknown, revoked, or its account is deactivated")
            raise ApiError(401, message, headers={"WWW-Authenticate": challenge})
        g.api_user, g.api_token = found
        if g.api_token.survey_id is not None and not channel_tokens:
            raise ApiError(403, "this is a channel token: it submits answers to its survey and reads nothing")
        result = view(*args, **kwargs)
        db.session.commit()
        return result

    return wrapped


def current_user() -> User:
    """The account the request's token acts for."""
    return g.api_user


def current_token() -> ApiToken:
    """The request's token."""
    return g.api_token


def visible_survey(slug: str) -> Survey:
    """The survey if the token's account may see it (a channel token: if it is the token's survey); 404
    otherwise, so a slug's existence does not leak."""
    survey = get_survey(slug)
    channel_survey = current_token().survey_id
    if survey is None or not may_see(current_user(), survey) or channel_survey not in (None, survey.id):
        raise ApiError(404, f"no survey {slug!r} is visible to this token")
    return survey
