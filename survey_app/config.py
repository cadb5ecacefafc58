"""Configuration from environment variables, with safe defaults for a local install."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

from flask import Flask


class ConfigError(RuntimeError):
    """The app cannot start with this configuration."""


def default_database_url(instance_path: str) -> str:
    """SQLite file under the instance folder: the embedded default."""
    return "sqlite:///" + str(Path(instance_path) / "manyi.db")


def _secret_key(instance_path: str, production: bool) -> str:
    """SECRET_KEY from the environment; in development a random key kept in the instance folder."""
    key = os.environ.get("SECRET_KEY")
    if key:
        return key
    if production:
        raise ConfigError("SECRET_KEY must be set in the environment when MANYI_ENV=production.")
    key_file = Path(instance_path) / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_hex(32))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


def load_config(app: Flask) -> None:
    """Fill ``app.config`` from the environment (overrides from tests are applied afterwards)."""
    Path(app.instance_path).mkdir(parents=True, exist_ok=True)
    production = os.environ.get("MANYI_ENV", "development") == "production"
    app.config.update(
        MANYI_ENV="production" if production else "development",
        SQLALCHEMY_DATABASE_URI=os.environ.get("DATABASE_URL") or default_database_url(app.instance_path),
        SECRET_KEY=_secret_key(app.instance_path, production),
        # earlier keys, comma-separated, while SECRET_KEY is rotated: what they signed is still accepted (the
        # session cookie, the survey pages' tokens); new cookies and tokens are signed with SECRET_KEY
        SECRET_KEY_FALLBACKS=[key.strip() for key in os.environ.get("SECRET_KEY_FALLBACKS", "").split(",")
                              if key.strip()],
        SESSION_COOKIE_HTTPONLY=True,
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_SECURE=production,
        WTF_CSRF_TIME_LIMIT=None,  # a respondent may take hours over one page; the token is bound to the session
        MAX_CONTENT_LENGTH=2 * 1024 * 1024,
        BABEL_DEFAULT_LOCALE="zh",
        LANGUAGES=["zh", "en"],
        PUBLIC_BASE_URL=os.environ.get("PUBLIC_BASE_URL", "http://127.0.0.1:5000"),
    )
    app.config.update(_security_settings(production))
    app.config.update(_job_settings())
    app.config.update(_mail_settings(app.instance_path))
    if production:
        # FLASK_DEBUG=1 left in a server's environment must not bring debug pages (or propagated tracebacks)
        app.config["DEBUG"] = False
        app.config["PROPAGATE_EXCEPTIONS"] = False


def _flag(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in ("1", "true", "yes", "on")


def _security_settings(production: bool) -> dict:
    """Cookies, rate limits and proxy trust (see SECURITY.md)."""
    return {
        # the "remember me" cookie gets the same protection as the session cookie
        "REMEMBER_COOKIE_HTTPONLY": True,
        "REMEMBER_COOKIE_SAMESITE": "Lax",
        "REMEMBER_COOKIE_SECURE": production,
        "PREFERRED_URL_SCHEME": "https" if production else "http",
        "RATELIMIT_ENABLED": _flag("RATELIMIT_ENABLED", True),
        # survey pages per client address (an office behind one NAT address shares it)
        "RATELIMIT_SURVEY_PAGES": os.environ.get("RATELIMIT_SURVEY_PAGES") or "120/minute",
        # Redis when there is one; else (None) a SQLite file every worker of the machine shares (ratelimit.py)
        "RATELIMIT_STORAGE_URI": os.environ.get("RATELIMIT_STORAGE_URI") or os.environ.get("REDIS_URL") or None,
        # when Redis is down, keep limiting per worker instead of failing every request
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_SWALLOW_ERRORS": True,
        # how many reverse proxies in front of the app set X-Forwarded-For / -Proto (0: none, trust nothing)
        "TRUSTED_PROXIES": _count("TRUSTED_PROXIES"),
        # werkzeug's hashing of console passwords: its default, scrypt at N = 2**15 (0.1 s a hash by design);
        # the tests pass the same scrypt at a lower cost, since what they check does not depend on it
        "PASSWORD_HASH_METHOD": "scrypt",
    }


def _job_settings() -> dict:
    """Background report jobs (survey_app.services.report_jobs)."""
    settings = {
        # RQ queue for report jobs (and rate-limit counters); unset: each app process renders in its own threads
        "REDIS_URL": os.environ.get("REDIS_URL") or None,
        # surveys with more complete responses than this render their PDF in the background
        "REPORT_INLINE_MAX_RESPONSES": _whole("REPORT_INLINE_MAX_RESPONSES", 2000),
        # report threads per app process when there is no Redis
        "REPORT_WORKERS": _whole("REPORT_WORKERS", 1),
        # seconds after which an unfinished job counts as failed (its worker died) and is started again
        "REPORT_JOB_TIMEOUT": _whole("REPORT_JOB_TIMEOUT", 1800),
        # seconds without a heartbeat after which a running job counts as failed (its process died)
        "REPORT_JOB_HEARTBEAT": _whole("REPORT_JOB_HEARTBEAT", 60),
        # seconds between heartbeats of the jobs a process is running or holds in its queue
        "REPORT_JOB_HEARTBEAT_INTERVAL": _whole("REPORT_JOB_HEARTBEAT_INTERVAL", 10),
        # a report worker pauses its job while other work waits for a processor this percentage of the time or more
        # (survey_app.report_pacing); 0: never
        "REPORT_YIELD_PRESSURE": _whole("REPORT_YIELD_PRESSURE", 10),
    }
    if settings["REPORT_YIELD_PRESSURE"] > 100:
        raise ConfigError(f"REPORT_YIELD_PRESSURE is a percentage (0-100), got {settings['REPORT_YIELD_PRESSURE']}")
    limit, interval = settings["REPORT_JOB_HEARTBEAT"], settings["REPORT_JOB_HEARTBEAT_INTERVAL"]
    if not 1 <= interval <= limit / 3:
        # a live job beats every interval; with fewer than three beats per limit, one slow beat would have it
        # counted as dead and rendered a second time
        raise ConfigError(f"REPORT_JOB_HEARTBEAT_INTERVAL ({interval} s) must be from 1 second to a third of "
                          f"REPORT_JOB_HEARTBEAT ({limit} s)")
    return settings


def _mail_settings(instance_path: str) -> dict:
    """Invitations and reminders by email (survey_app.services.mail)."""
    rate = (os.environ.get("MAIL_RATE") or "5").strip()
    try:
        per_second = float(rate)
    except ValueError:
        per_second = 0.0
    if not per_second > 0:
        raise ConfigError(f"MAIL_RATE must be a positive number of messages per second, got {rate!r}")
    webhook_timeout = _whole("WEBHOOK_TIMEOUT", 10)
    if not 1 <= webhook_timeout <= 300:
        raise ConfigError(f"WEBHOOK_TIMEOUT must be from 1 to 300 seconds, got {webhook_timeout}")
    return {
        # smtp://user:password@host:587 (STARTTLS when offered) or smtps://...:465; unset: the local outbox
        "SMTP_URL": os.environ.get("SMTP_URL") or None,
        # the Maildir the messages go to when there is no SMTP_URL (a folder per survey)
        "MAIL_OUTBOX": os.environ.get("MAIL_OUTBOX") or str(Path(instance_path) / "outbox"),
        "MAIL_FROM": os.environ.get("MAIL_FROM") or "Manyi <no-reply@localhost>",
        # messages per second at most (the sender pauses between messages)
        "MAIL_RATE": per_second,
        # attempts before a message that keeps failing temporarily (4xx, dropped connection) is given up
        "MAIL_MAX_ATTEMPTS": _whole("MAIL_MAX_ATTEMPTS", 5),
        # seconds before the first retry; each further retry waits twice as long
        "MAIL_RETRY_SECONDS": _whole("MAIL_RETRY_SECONDS", 300),
        # a sender takes a message for this long: if it dies before recording the outcome, another tries again
        "MAIL_CLAIM_SECONDS": _whole("MAIL_CLAIM_SECONDS", 600),
        # send in a thread of the app process right after the console queued (off when a scheduler or a cron job
        # runs `flask mail send`); retries wait for the next run of either
        "MAIL_SEND_IN_BACKGROUND": _flag("MAIL_SEND_IN_BACKGROUND", True),
        # seconds a survey's webhook may take to connect or to answer (then the POST is tried again later)
        "WEBHOOK_TIMEOUT": webhook_timeout,
        # let webhooks go to this machine (127.0.0.1, ::1, localhost; plain http:// too) for a local receiver in
        # development; every other private or local address stays refused (tests allow loopback too)
        "WEBHOOK_ALLOW_LOOPBACK": _flag("WEBHOOK_ALLOW_LOOPBACK", False),
    }


def _whole(name: str, default: int) -> int:
    value = (os.environ.get(name) or str(default)).strip()
    if not value.isdigit():
        raise ConfigError(f"{name} must be a whole number, got {value!r}")
    return int(value)


def _count(name: str) -> int:
    value = (os.environ.get(name) or "0").strip()
    if not value.isdigit():
        raise ConfigError(f"{name} must be a whole number (how many proxies), got {value!r}")
    return int(value)
