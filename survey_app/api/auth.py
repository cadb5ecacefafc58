"""Bearer-token authentication and survey access for API views."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import g, request

from survey_app.api.errors import ApiError
from survey_app.extensions import db
from survey_app.models import Survey, User
from survey_app.services.accounts import may_see
from survey_app.services.api_tokens import authenticate
from survey_app.services.surveys import get_survey

REALM = 'Bearer realm="manyi"'


def token_required(view: Callable[..., Any]) -> Callable[..., Any]:
    """Run ``view`` as the token's account (``g.api_user``) and commit once it succeeds: the request's edge."""

    @wraps(view)
    def wrapped(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization")
        user = authenticate(header)
        if user is None:
            # RFC 6750: no error code when no credentials came, invalid_token when they did not work
            challenge = REALM if not header else REALM + ', error="invalid_token"'
            message = ("send the header 'Authorization: Bearer <token>'" if not header
                       else "the token is unknown, revoked, or its account is deactivated")
            raise ApiError(401, message, headers={"WWW-Authenticate": challenge})
        g.api_user = user
        result = view(*args, **kwargs)
        db.session.commit()
        return result

    return wrapped


def current_user() -> User:
    """The account the request's token acts for."""
    return g.api_user


def visible_survey(slug: str) -> Survey:
    """The survey if the token's account may see it; 404 otherwise, so a slug's existence does not leak."""
    survey = get_survey(slug)
    if survey is None or not may_see(current_user(), survey):
        raise ApiError(404, f"no survey {slug!r} is visible to this token")
    return survey
