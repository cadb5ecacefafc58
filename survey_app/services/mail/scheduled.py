"""The scheduler's reminder steps queue the reminder mail (the scheduler loop then sends what is queued)."""

from __future__ import annotations

from datetime import datetime

from survey_app.models import Survey
from survey_app.scheduler.reminders import on_reminder
from survey_app.services.mail.delivery import queue_reminders


@on_reminder
def queue_step_reminders(survey: Survey, step: str, invitation_ids: list[int], now: datetime) -> None:
    """Queue the step's reminder, in the job's transaction (flush only).

    The mail's own rule picks the recipients - invited, not unsubscribed, not completed on identified surveys,
    everyone invited on anonymous ones - and its unique (invitation, kind, step) row keeps it to one per person.
    """
    queue_reminders(survey, step, now=now)
