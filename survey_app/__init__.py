"""Manyi survey service: the Flask application factory."""

from __future__ import annotations

from typing import Any

from flask import Flask


def create_app(test_config: dict[str, Any] | None = None) -> Flask:
    """Build the app: configuration from the environment, then ``test_config`` overrides."""
    app = Flask(__name__, instance_relative_config=True)
    from survey_app.config import load_config

    load_config(app)
    if test_config:
        app.config.update(test_config)
    if app.config.get("TRUSTED_PROXIES"):
        from werkzeug.middleware.proxy_fix import ProxyFix

        # the client address (rate limits) and https (secure cookies) as the proxies in front of us saw them
        hops = app.config["TRUSTED_PROXIES"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)  # type: ignore[method-assign]

    from flask_login import current_user

    from survey_app import cli, errors, i18n, security, sessions, static_urls
    from survey_app.extensions import csrf, db, login_manager, migrate
    from survey_app.text_checks import printable_value, refuse_nul_in_request

    # every value a template prints can be encoded, even a name stored before the input checks (text_checks)
    app.jinja_options = {**app.jinja_options, "finalize": printable_value}
    sessions.init_app(app)
    db.init_app(app)
    migrate.init_app(app, db, directory=str(_migrations_dir()), render_as_batch=True)
    csrf.init_app(app)
    # current_user as a lazy template global instead of Flask-Login's context processor, which loaded the
    # account (and wrote "_fresh" into the session) for every page rendered, respondents' pages included
    login_manager.init_app(app, add_context_processor=False)
    app.jinja_env.globals["current_user"] = current_user
    i18n.init_app(app)
    errors.init_app(app)
    app.before_request(refuse_nul_in_request)
    security.init_app(app)
    static_urls.init_app(app)
    cli.init_app(app)

    from survey_app import models, scheduler  # noqa: F401  (register tables with the metadata)
    from survey_app.admin import bp as admin_bp
    from survey_app.api import bp as api_bp
    from survey_app.database import init_engine_events, init_request_connections
    from survey_app.respond import bp as respond_bp

    scheduler.init_app(app)  # its tables, job kinds and the ``scheduler`` commands
    init_engine_events(app)
    init_request_connections(app)
    app.register_blueprint(respond_bp)
    app.register_blueprint(api_bp)
    app.register_blueprint(admin_bp)
    from survey_app.unsubscribe import bp as unsubscribe_bp

    app.register_blueprint(unsubscribe_bp)

    from survey_app import ratelimit

    ratelimit.init_app(app)  # after the blueprints: the limits are attached to their views

    @app.get("/")
    def index():
        from flask import render_template

        return render_template("index.html")

    @app.get("/healthz")
    def healthz():
        return {"status": "ok"}

    return app


def _migrations_dir():
    from pathlib import Path

    return Path(__file__).parent / "migrations"
