"""The public survey: what respondents see at /s/<slug>."""

from flask import Blueprint

bp = Blueprint("respond", __name__)

from survey_app.respond import routes  # noqa: E402,F401  (routes register themselves on bp)
