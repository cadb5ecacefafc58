"""What the events say: ``response.completed`` (identified surveys only) and the case events, which arrive through
the case hook (services.case_events). The case events carry the case and a link to it, never the answers.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from survey_app.extensions import db
from survey_app.models import AlertCase, CaseEvent, Invitation, Response, Survey, Unit, User
from survey_app.models.types import as_utc
from survey_app.services.case_events import on_case_event
from survey_app.services.events.delivery import emit_event
from survey_app.services.events.endpoints import subscribers
from survey_app.services.mail.case_mail import case_link

#: history entries whose old and new values are sent (a note's text stays in the console)
CHANGES_WITH_VALUES = ("opened", "assigned", "status")


def _time(moment: datetime | None) -> str | None:
    return as_utc(moment).isoformat(timespec="seconds") if moment is not None else None


def _unit_code(unit_id: int | None) -> str | None:
    unit = db.session.get(Unit, unit_id) if unit_id else None
    return unit.code if unit is not None else None


def response_data(response: Response) -> dict[str, Any]:
    """``response.completed``'s data: the response, its unit, time, invitation (ref and email) and answers."""
    invitation = db.session.get(Invitation, response.invitation_id) if response.invitation_id else None
    return {"response": {
        "id": response.id, "unit": _unit_code(response.unit_id), "completed": _time(response.submitted_at),
        "language": response.language, "channel": response.channel,
        "invitation": {"ref": invitation.external_ref, "email": invitation.email} if invitation else None,
        "answers": dict(response.answers or {}),
    }}


def response_completed(response_id: int, now: datetime) -> str | None:
    """Emit ``response.completed`` for a complete, real response of an identified survey; its event id, or None
    (no subscriber, an anonymous survey, a preview). Flushes only."""
    response = db.session.get(Response, response_id)
    if response is None or response.status != "complete" or response.is_test:
        return None
    survey = db.session.get(Survey, response.survey_id)
    if survey is None or survey.anonymous:  # never: docs/webhooks.md, "Anonymous surveys"
        return None
    if not subscribers(survey.id, "response.completed"):
        return None
    return emit_event(survey, "response.completed", response_data(response), now)


def case_data(case: AlertCase, entry: CaseEvent, survey: Survey) -> dict[str, Any]:
    """A case event's data: the case (rule, status, priority, assignee, due, link) and the change."""
    assignee = db.session.get(User, case.assignee_id) if case.assignee_id else None
    with_values = entry.kind in CHANGES_WITH_VALUES
    return {
        "case": {"id": case.id, "rule": case.rule_name, "status": case.status, "priority": case.priority,
                 "unit": _unit_code(case.unit_id), "assignee": assignee.email if assignee else None,
                 "created": _time(case.created_at), "due": _time(case.due_at), "resolved": _time(case.resolved_at),
                 "response_id": case.response_id, "link": case_link(survey, case)},
        "change": {"kind": entry.kind, "at": _time(entry.at), "old": entry.old if with_values else None,
                   "new": entry.new if with_values else None},
    }


@on_case_event
def case_event(event: str, case: AlertCase, entry: CaseEvent, now: datetime) -> None:
    """The case hook: emit ``alert.created`` or ``case.updated`` to the survey's subscribers."""
    survey = db.session.get(Survey, case.survey_id)
    if survey is None or survey.anonymous or not subscribers(survey.id, event):
        return
    emit_event(survey, event, case_data(case, entry, survey), now)
