"""Console view of a case's recovery follow-up: the option when resolving, sending it later, and its state."""

from __future__ import annotations

from typing import Any

from flask import flash, redirect, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from survey_app.admin import bp
from survey_app.admin.alerts import _case, answer_rows
from survey_app.admin.followup_views import when
from survey_app.admin.messages import explain
from survey_app.admin.routes import MAX_ID, survey_view
from survey_app.extensions import db
from survey_app.models import AlertCase, Survey, User
from survey_app.models.types import utcnow
from survey_app.services import recovery
from survey_app.services.cases import change_status
from survey_app.services.surveys import instrument_of

STATE_LABELS = {"queued": _l("waiting to be sent"), "sent": _l("sent, not answered yet"),
                "failed": _l("the email could not be delivered"), "answered": _l("answered")}


def followup_panel(survey: Survey, case: AlertCase, lang: str) -> dict[str, Any]:
    """What the case page shows of the follow-up: whether it may be sent, and once sent its state and answers."""
    state = recovery.followup_state(case)
    reason = recovery.refusal(case, survey)
    panel: dict[str, Any] = {"can_send": reason is None, "resolved": case.status == "resolved",
                             "reason": _(reason) if reason is not None and state is None else None, "state": None}
    if state is not None:
        panel.update(state=state.state, state_label=str(STATE_LABELS[state.state]), email=state.email,
                     sent_at=when(state.sent_at), answered_at=when(state.answered_at),
                     answers=answer_rows(instrument_of(state.survey), state.answers, lang)
                     if state.answers is not None else None)
    return panel


def resolve_with_followup(case: AlertCase, status: str, by: User, now, asked: bool) -> str | None:
    """Change the status; when it becomes resolved and the manager asked for it, send the follow-up (when it may
    be sent: the option is offered only then). Returns the address it went to, or None. Flushes only."""
    change_status(case, status, by, now)
    if status != "resolved" or not asked:
        return None
    if recovery.refusal(case, db.session.get(Survey, case.survey_id)) is not None:
        return None
    return recovery.send_followup(case, by, now).email


@bp.post(f"/surveys/<slug>/cases/<int(max={MAX_ID}):case_id>/followup")
@survey_view
def case_followup(survey: Survey, case_id: int):
    """Send the customer of a resolved case the follow-up survey (when it was not sent on resolving)."""
    found = _case(survey, case_id)
    try:
        invitation = recovery.send_followup(found, current_user._get_current_object(), utcnow())
    except ValueError as exc:
        db.session.rollback()
        flash(explain(exc), "error")
    else:
        db.session.commit()
        flash(_("The follow-up survey is on its way to %(email)s.", email=invitation.email), "success")
    return redirect(url_for("admin.case", slug=survey.slug, case_id=case_id) + "#followup-heading")
