"""What the console shows of a survey's reminder plan: the stored plan, and each scheduled step with its state and
how many messages it sent."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import MailMessage, Survey
from survey_app.models.types import as_utc
from survey_app.scheduler.models import ReminderPlan, ScheduledJob
from survey_app.scheduler.reminders import invitations_due, invitations_key, reminder_steps

#: the step name the schedule gives the invitations (reminder steps are ``open``, ``after-<n>d``, ...)
INVITATIONS = "invitations"


@dataclass(frozen=True)
class PlannedStep:
    """One step of the schedule: the invitations or a reminder step."""

    #: ``invitations``, ``open``, ``after-3d``, ``before-close-1d``
    name: str
    #: when it is due (UTC); None when it counts from an opening that has no time yet
    due_at: datetime | None
    #: a job's state (due, running, done, failed), or ``planned`` while the survey is not open
    state: str
    #: messages of this step sent, and still queued
    sent: int = 0
    queued: int = 0
    #: the job's last failure
    error: str | None = None


def stored_plan(survey: Survey) -> ReminderPlan | None:
    """The survey's plan, None when it has none."""
    return db.session.get(ReminderPlan, survey.id)


def planned_steps(survey: Survey, now: datetime) -> list[PlannedStep]:
    """The survey's scheduled jobs (those run and those waiting), in order of time; for a survey that is not open,
    the steps its plan will schedule when it opens. Counts of messages per step, never per person."""
    prefix = f"survey:{survey.id}:reminder:"
    jobs = db.session.scalars(sa.select(ScheduledJob).where(sa.or_(
        ScheduledJob.key.like(f"{prefix}%"), ScheduledJob.key == invitations_key(survey.id)))).all()
    counts = {(kind, step or "", status): n for kind, step, status, n in db.session.execute(
        sa.select(MailMessage.kind, MailMessage.step, MailMessage.status, sa.func.count())
        .where(MailMessage.survey_id == survey.id).group_by(MailMessage.kind, MailMessage.step, MailMessage.status))}

    def step(name: str, due_at: datetime | None, state: str, error: str | None = None) -> PlannedStep:
        kind, key = ("invitation", "") if name == INVITATIONS else ("reminder", name)
        return PlannedStep(name, due_at, state, counts.get((kind, key, "sent"), 0),
                           counts.get((kind, key, "queued"), 0), error)

    rows = [step(INVITATIONS if job.key == invitations_key(survey.id) else job.key.removeprefix(prefix),
                 as_utc(job.due_at), job.state, job.last_error) for job in jobs]
    plan = stored_plan(survey)
    if survey.status == "draft" and plan is not None:
        known = survey.opens_at is not None  # else the steps count from the moment it is launched
        invite = invitations_due(plan, survey, now)
        if invite is not None:
            rows.append(step(INVITATIONS, invite if known or not plan.invite_on_open else None, "planned"))
        rows += [step(s.name, s.due_at if known or s.name.startswith("before-close-") else None, "planned")
                 for s in reminder_steps(plan, survey, now)]
    return sorted(rows, key=lambda r: (r.due_at is None, r.due_at or now, r.name != INVITATIONS))
