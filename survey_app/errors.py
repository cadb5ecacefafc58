"""Error pages: a clear page in the respondent's language, never a stack trace."""

from __future__ import annotations

from flask import Flask, render_template
from flask_wtf.csrf import CSRFError

from survey_app.extensions import db
from survey_app.logs import redact_exception_log


def init_app(app: Flask) -> None:
    """Register the error handlers; every handler rolls back the session first. Exceptions are logged without
    link tokens."""
    redact_exception_log(app)

    @app.errorhandler(CSRFError)
    def csrf_error(error: CSRFError):
        db.session.rollback()
        return render_template("error.html", code=400, kind="csrf"), 400

    @app.errorhandler(400)
    def bad_request(error):
        db.session.rollback()
        return render_template("error.html", code=400, kind="bad_request"), 400

    @app.errorhandler(404)
    def not_found(error):
        db.session.rollback()
        return render_template("error.html", code=404, kind="not_found"), 404

    @app.errorhandler(413)
    def too_large(error):
        db.session.rollback()
        return render_template("error.html", code=413, kind="too_large"), 413

    @app.errorhandler(500)
    def server_error(error):
        db.session.rollback()
        return render_template("error.html", code=500, kind="server"), 500
