"""Rate limits on the endpoints the public internet can hammer: sign-in, survey pages, links, the API.

One :class:`~flask_limiter.Limiter` per app (so each test app starts with empty counters), attached after the
blueprints are registered; the limits live in :data:`LIMITS`, next to each other, instead of on the views.
Counters live in Redis when ``REDIS_URL`` (or ``RATELIMIT_STORAGE_URI``) is set, which several app machines need;
without it in a SQLite file that every worker process of the machine shares (:mod:`survey_app.ratelimit_storage`),
beside the SQLite database (or in the instance folder): never in one worker's memory, where each of gunicorn's
workers would count on its own.
Limits are per client address; behind a reverse proxy set ``TRUSTED_PROXIES`` so the address is the client's.
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable
from dataclasses import dataclass

from flask import Flask, current_app, render_template, request
from flask import Response as FlaskResponse
from flask_limiter import Limiter, RequestLimit
from flask_limiter.errors import RateLimitExceeded
from flask_limiter.util import get_remote_address

from survey_app.extensions import db
from survey_app.ratelimit_storage import shared_file_uri


def client_address() -> str:
    """The client's IP address (after ProxyFix when the app trusts a proxy)."""
    return get_remote_address()


def login_name() -> str:
    """The account a sign-in attempt is for, so guessing one account's password from many addresses is slowed.

    Hashed: the limiter's keys may sit in Redis and need not reveal who tried to sign in.
    """
    return "login:" + _hashed_email("email")


def reset_address() -> str:
    """The address a forgotten-password request is for, so that nobody floods one inbox from many addresses."""
    return "reset:" + _hashed_email("email")


def _hashed_email(field: str) -> str:
    email = (request.form.get(field) or "").strip().lower()
    return hashlib.sha256(email.encode("utf-8")).hexdigest()[:32]


def failed(status: int) -> Callable[[FlaskResponse], bool]:
    """Count a request against the limit only when it answered ``status`` (a wrong link, a bad token)."""

    def deduct(response: FlaskResponse) -> bool:
        return response.status_code == status

    deduct.__name__ = f"failed_{status}"
    return deduct


def configured(key: str) -> Callable[[], str]:
    """A limit read from ``app.config[key]`` at request time, so operators can change it without code."""

    def limit() -> str:
        return current_app.config[key]

    limit.__name__ = f"config_{key.lower()}"
    return limit


@dataclass(frozen=True)
class Rule:
    """One limit on one endpoint (or on every endpoint of a blueprint when ``endpoint`` has no dot)."""

    endpoint: str
    limit: str | Callable[[], str]
    key: Callable[[], str] = client_address
    methods: tuple[str, ...] | None = None
    only_when: Callable[[FlaskResponse], bool] | None = None
    #: a shared counter name, so that two rules on one endpoint do not share their counters
    scope: str | None = None


#: Generous on survey pages: a whole office behind one NAT address may answer at the same time (120 requests a
#: minute is 20 people each sending a page every 20 seconds - a post and its redirect are two requests); raise
#: RATELIMIT_SURVEY_PAGES when a large site answers together. Tight where only attackers need volume.
LIMITS: tuple[Rule, ...] = (
    Rule("admin.login", "20/minute;200/hour", methods=("POST",), scope="login-ip"),
    Rule("admin.login", "10/minute;50/hour", key=login_name, methods=("POST",), scope="login-account"),
    # a forgotten password: a message per address now and then, and few requests per client
    Rule("admin.forgot_password", "5/minute;30/hour", methods=("POST",), scope="reset-ip"),
    Rule("admin.forgot_password", "3/hour;10/day", key=reset_address, methods=("POST",), scope="reset-address"),
    # the links of the account messages: a wrong one answers 404
    Rule("admin.reset_password", "20/minute;200/day", only_when=failed(404), scope="bad-reset-link"),
    Rule("admin.accept_invitation", "20/minute;200/day", only_when=failed(404), scope="bad-invitation-link"),
    Rule("respond.respond", configured("RATELIMIT_SURVEY_PAGES"), scope="survey-ip"),
    # personal links: a wrong token answers 404; 20 misses a minute is plenty for typos, useless for guessing
    Rule("respond.respond", "20/minute;200/day", only_when=failed(404), scope="bad-link"),
    Rule("respond.resume", "30/minute", scope="resume-ip"),
    Rule("respond.resume", "20/minute;200/day", only_when=failed(404), scope="bad-resume-link"),
    Rule("respond.thanks", configured("RATELIMIT_SURVEY_PAGES"), scope="thanks-ip"),
    # the API: kiosks and apps behind one address submit many responses; wrong tokens are counted apart
    Rule("api", "300/minute", scope="api-ip"),
    Rule("api", "30/minute;300/day", only_when=failed(401), scope="api-bad-token"),
)


def init_app(app: Flask) -> None:
    """Attach a limiter with :data:`LIMITS` (after the blueprints) and the 429 page; no-op when disabled."""
    if not app.config.get("RATELIMIT_ENABLED", True):
        return
    if not app.config.get("RATELIMIT_STORAGE_URI"):
        app.config["RATELIMIT_STORAGE_URI"] = shared_file_uri(app.config["SQLALCHEMY_DATABASE_URI"],
                                                              app.instance_path)
    limiter = Limiter(client_address, app=app, headers_enabled=False, key_prefix="manyi")
    for rule in LIMITS:
        decorate = limiter.limit(rule.limit, key_func=rule.key, methods=list(rule.methods) if rule.methods else None,
                                 deduct_when=rule.only_when, scope=rule.scope, override_defaults=False)
        if "." in rule.endpoint:
            # the wrapper checks the limit when the view runs (and keeps the view's name, under which it is kept)
            app.view_functions[rule.endpoint] = decorate(app.view_functions[rule.endpoint])
        else:
            decorate(app.blueprints[rule.endpoint])
    app.register_error_handler(429, too_many_requests)


def retry_after(limit: RequestLimit | None) -> int:
    """Whole seconds until the breached window resets (at least 1)."""
    if limit is None:
        return 60
    # never more than the window itself (the reset time is rounded up to a whole second)
    return max(1, min(math.ceil(limit.reset_at - time.time()), limit.limit.get_expiry()))


def too_many_requests(error: RateLimitExceeded):
    """A page in both languages: the respondent may not have chosen one yet."""
    db.session.rollback()
    seconds = current_retry_after()
    response = FlaskResponse(render_template("error.html", code=429, kind="too_many", seconds=seconds), 429)
    response.headers["Retry-After"] = str(seconds)
    return response


def current_retry_after() -> int:
    """Seconds until the limit this request broke lets requests through again."""
    limiter = _limiter()
    return retry_after(limiter.current_limit if limiter else None)


def _limiter() -> Limiter | None:
    found = current_app.extensions.get("limiter")
    if isinstance(found, Limiter):
        return found
    return next((item for item in found or () if isinstance(item, Limiter)), None)
