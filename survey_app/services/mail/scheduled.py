"""The scheduler's reminder steps queue the reminder mail, and its ``invitations`` job the invitations (the
scheduler loop then sends what is queued)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from survey_app.extensions import db
from survey_app.models import Survey
from survey_app.models.types import as_utc
from survey_app.scheduler.jobs import register
from survey_app.scheduler.reminders import INVITATIONS_KIND, on_reminder
from survey_app.services.mail.delivery import queue_invitations, queue_reminders


@on_reminder
def queue_step_reminders(survey: Survey, step: str, invitation_ids: list[int], now: datetime) -> None:
    """Queue the step's reminder, in the job's transaction (flush only).

    The mail's own rule picks the recipients - invited, not unsubscribed, not completed on identified surveys,
    everyone invited on anonymous ones - and its unique (invitation, kind, step) row keeps it to one per person.
    """
    queue_reminders(survey, step, now=now)


@register(INVITATIONS_KIND)
def queue_scheduled_invitations(payload: dict[str, Any], now: datetime) -> None:
    """The ``invitations`` job: queue the invitation of every participant not yet invited (flush only). Nothing
    for a survey that is gone, not open, or closed by now."""
    survey = db.session.get(Survey, int(payload["survey_id"]))
    if survey is None or survey.status != "open":
        return
    if survey.closes_at is not None and as_utc(survey.closes_at) <= now:
        return
    queue_invitations(survey, now=now)
