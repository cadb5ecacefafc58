"""What the events say: ``response.completed`` (identified surveys only), the case events, which arrive through
the case hook (services.case_events), and ``action.updated`` through the action plan's hook (services.action_events).
The case and action events carry the case or action and a link to it, never answers or the text of notes.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from flask import current_app

from survey_app.extensions import db
from survey_app.models import Action, AlertCase, CaseEvent, Invitation, Response, Survey, Unit, User
from survey_app.models.types import as_utc
from survey_app.services.action_events import EVENT as ACTION_EVENT
from survey_app.services.action_events import on_action_changed
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


def action_data(action: Action, survey: Survey) -> dict[str, Any]:
    """``action.updated``'s data: the action (driver, title, unit, owner, due date, status, times, link)."""
    owner = db.session.get(User, action.owner_id) if action.owner_id else None
    return {"action": {
        "id": action.id, "driver": action.driver, "title": action.title, "unit": _unit_code(action.unit_id),
        "owner": owner.email if owner else None, "due": action.due_on.isoformat() if action.due_on else None,
        "status": action.status, "created": _time(action.created_at), "updated": _time(action.updated_at),
        "link": f"{current_app.config['PUBLIC_BASE_URL']}/admin/surveys/{survey.slug}/actions/{action.id}",
    }}


@on_action_changed
def action_event(action: Action, now: datetime) -> None:
    """The action plan's hook: emit ``action.updated`` (anonymous surveys too: an action is about a driver and a
    unit, never about a respondent)."""
    survey = db.session.get(Survey, action.survey_id)
    if survey is None or not subscribers(survey.id, ACTION_EVENT):
        return
    emit_event(survey, ACTION_EVENT, action_data(action, survey), now)
