"""Production settings: secure cookies, no debug pages, no tracebacks, secrets never shown."""

from __future__ import annotations

import logging

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

import survey_app.api.routes as api_routes
from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import User
from survey_app.services.api_tokens import create_api_token
from survey_app.services.users import create_user
from tests.conftest import csrf_token

PASSWORD = "correct horse battery"
DB_PASSWORD = "Sup3r-s3cret-db-pw"


@pytest.fixture
def production(monkeypatch, tmp_path):
    """Factory: an app as `MANYI_ENV=production` builds it, with FLASK_DEBUG=1 left behind by mistake."""
    monkeypatch.setenv("MANYI_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setenv("FLASK_DEBUG", "1")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'prod.db'}")
    monkeypatch.delenv("REDIS_URL", raising=False)

    made = []

    def _make():
        app = create_app({"RATELIMIT_ENABLED": False})
        with app.app_context():
            upgrade()
            create_user("admin@example.com", PASSWORD, role="admin")
            db.session.commit()
        made.append(app)
        return app

    yield _make
    for app in made:
        with app.app_context():
            db.engine.dispose()


def test_cookies_are_secure_httponly_and_samesite_in_production(production):
    app = production()
    for prefix in ("SESSION_COOKIE", "REMEMBER_COOKIE"):
        assert app.config[f"{prefix}_SECURE"] is True
        assert app.config[f"{prefix}_HTTPONLY"] is True
        assert app.config[f"{prefix}_SAMESITE"] == "Lax"
    client = app.test_client()
    page = client.get("/admin/login", base_url="https://survey.example.com")
    # over https Flask-WTF also checks that the form came from this site (Referer), as browsers send it
    signed_in = client.post("/admin/login", base_url="https://survey.example.com",
                            headers={"Referer": "https://survey.example.com/admin/login"}, data={
        "csrf_token": csrf_token(page.text), "email": "admin@example.com", "password": PASSWORD})
    assert signed_in.status_code == 302
    cookies = page.headers.getlist("Set-Cookie") + signed_in.headers.getlist("Set-Cookie")
    assert cookies, "the login page sets a session cookie for its CSRF token"
    for cookie in cookies:
        flags = [part.strip().lower() for part in cookie.split(";")]
        assert "secure" in flags and "httponly" in flags and "samesite=lax" in flags
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")


def test_development_cookies_work_over_plain_http(monkeypatch, tmp_path):
    monkeypatch.delenv("MANYI_ENV", raising=False)
    monkeypatch.setenv("SECRET_KEY", "dev")
    app = create_app({"SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'd.db'}"})
    assert app.config["SESSION_COOKIE_SECURE"] is False and app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_a_crash_gives_a_plain_500_page_without_traceback_even_with_flask_debug_set(production, caplog):
    app = production()
    assert app.debug is False and app.config["PROPAGATE_EXCEPTIONS"] is False

    @app.get("/boom")
    def boom():
        raise RuntimeError("internal detail: /srv/manyi/secret-path.py line 42")

    with caplog.at_level(logging.ERROR):
        reply = app.test_client().get("/boom?lang=en")
    assert reply.status_code == 500 and reply.mimetype == "text/html"
    assert "Something went wrong" in reply.text
    for leak in ("Traceback", "RuntimeError", "secret-path", "Werkzeug Debugger", "__debugger__"):
        assert leak not in reply.text
    # the operator still gets the traceback in the log
    assert "secret-path" in caplog.text


def test_an_api_crash_gives_json_500_without_details(production, monkeypatch):
    app = production()
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email="admin@example.com"))
        _, token = create_api_token(user, "kiosk")
        db.session.commit()

    def broken(user):
        raise RuntimeError("answers_secret")

    monkeypatch.setattr(api_routes, "visible_surveys_query", broken)
    crashed = app.test_client().get("/api/v1/surveys", headers={"Authorization": f"Bearer {token}"})
    assert crashed.status_code == 500 and crashed.is_json
    assert crashed.get_json()["error"] == "Internal Server Error"
    assert "answers_secret" not in crashed.text and "Traceback" not in crashed.text


def test_database_password_is_never_shown(monkeypatch, tmp_path, postgres, caplog, capsys):
    """The password in DATABASE_URL is not printed by init-db, not in error pages, not in the log."""
    url = postgres.create_database("t_secret_pw").replace("manyi@", f"manyi:{DB_PASSWORD}@")
    monkeypatch.setenv("MANYI_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setenv("DATABASE_URL", url)
    app = create_app({"RATELIMIT_ENABLED": False})
    with caplog.at_level(logging.DEBUG):
        result = app.test_cli_runner().invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "database ready: postgresql+psycopg://manyi:***@" in result.output
    assert DB_PASSWORD not in result.output and DB_PASSWORD not in caplog.text
    assert DB_PASSWORD not in capsys.readouterr().err
    with app.app_context():
        db.engine.dispose()

    # the database goes away: a page needing it fails plainly, and neither page nor log carry the password
    monkeypatch.setenv("DATABASE_URL", f"postgresql+psycopg://manyi:{DB_PASSWORD}@127.0.0.1:1/gone")
    dead = create_app({"RATELIMIT_ENABLED": False, "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {
        "connect_timeout": 2}}})
    caplog.clear()
    with caplog.at_level(logging.DEBUG):
        reply = dead.test_client().get("/s/any-survey")
    assert reply.status_code == 500
    assert DB_PASSWORD not in reply.text and DB_PASSWORD not in caplog.text
    assert "127.0.0.1" not in reply.text  # not even where the database lives
    with dead.app_context():
        db.engine.dispose()
