"""The JSON API at /api/v1: submissions from other channels (kiosk, app, call centre) and survey results."""

from flask import Blueprint

from survey_app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
# clients authenticate with a bearer token in a header, which a cross-site form cannot send: no CSRF token
csrf.exempt(bp)

from survey_app.api import errors, routes  # noqa: E402,F401  (handlers and routes register themselves on bp)

errors.register(bp)
