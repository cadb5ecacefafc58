"""The console for managers and HR: surveys, units, invitations, live results, exports, the questionnaire editor."""

from flask import Blueprint

bp = Blueprint("admin", __name__, url_prefix="/admin")

from survey_app.admin import (  # noqa: E402,F401  (routes register themselves on bp)
    account_links,
    actions,
    alerts,
    audit_log,
    channels,
    comments,
    editor,
    editor_logic,
    mail,
    participants,
    person_requests,
    reach,
    recovery,
    reminder_plan,
    routes,
    webhooks,
)
