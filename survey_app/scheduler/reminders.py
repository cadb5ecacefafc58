"""Reminder steps of a survey as scheduled jobs, and the ``reminder`` job kind.

A survey's :class:`ReminderPlan` names its steps: ``open`` (when it opens), ``after-<n>d`` (n days after it
opened) and ``before-close-<n>d`` (n days before it closes). When the survey opens, :func:`schedule_reminders`
makes one job per step, keyed ``survey:<id>:reminder:<step>``. When a step's job runs, the invitees due for it -
invitations not yet used (no completed response) and not yet recorded for this step - get one ``reminder_due``
row each, in the job's transaction, and the hooks registered with :func:`on_reminder` are called with them.

The contract for a hook (the mail outbox plugs in here): ``hook(survey, step, invitation_ids, now)`` is called
inside the job's transaction with the invitees recorded by *this* run only; it writes what it needs through
``db.session`` (flush only) and sends nothing itself. If the worker dies before the commit, the rows and the
hook's writes are rolled back together and the next run records them again; once committed, the unique
(invitation, step) row means nobody is recorded - or handed to a hook - twice for the same step.

The plan may also time the invitations (when the survey opens, or at a set time): one job of the kind
``invitations``, keyed ``survey:<id>:invitations``, whose function the mail registers
(survey_app.services.mail.scheduled).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Survey
from survey_app.models.types import as_utc
from survey_app.scheduler.jobs import cancel, dialect_insert, register, schedule, utc
from survey_app.scheduler.models import ReminderDue, ReminderPlan, ScheduledJob

KIND = "reminder"
#: the job kind that queues a survey's invitations (registered by survey_app.services.mail.scheduled)
INVITATIONS_KIND = "invitations"
#: survey, step, the invitation ids recorded for the step by this run, the run's time
ReminderHook = Callable[[Survey, str, list[int], datetime], None]
#: called in order for each step run (see the module's docstring)
HOOKS: list[ReminderHook] = []


def on_reminder(hook: ReminderHook) -> ReminderHook:
    """Decorator: call ``hook`` for every reminder step run."""
    if hook not in HOOKS:
        HOOKS.append(hook)
    return hook


@dataclass(frozen=True)
class Step:
    """One reminder step of a survey and when it is due."""

    name: str
    due_at: datetime


def job_key(survey_id: int, step: str) -> str:
    return f"survey:{survey_id}:reminder:{step}"


def invitations_key(survey_id: int) -> str:
    return f"survey:{survey_id}:invitations"


def reminder_steps(plan: ReminderPlan, survey: Survey, now: datetime) -> list[Step]:
    """The plan's steps for the survey, timed from its opening (``opens_at``, else ``now``) and closing; steps at
    or after the closing are left out."""
    opened = as_utc(survey.opens_at) if survey.opens_at is not None else now
    closes = as_utc(survey.closes_at) if survey.closes_at is not None else None
    steps = [Step("open", opened)] if plan.on_open else []
    steps += [Step(f"after-{days}d", opened + timedelta(days=days)) for days in sorted(set(plan.after_days))]
    if closes is not None:
        steps += [Step(f"before-close-{days}d", closes - timedelta(days=days))
                  for days in sorted(set(plan.before_close_days)) if closes - timedelta(days=days) > opened]
    return [step for step in steps if closes is None or step.due_at < closes]


def invitations_due(plan: ReminderPlan, survey: Survey, now: datetime) -> datetime | None:
    """When the plan queues the invitations: at the opening (``opens_at``, else ``now``), at ``invite_at``, or
    never (None; also when that time is at or after the closing)."""
    if plan.invite_on_open:
        due = as_utc(survey.opens_at) if survey.opens_at is not None else now
    elif plan.invite_at is not None:
        due = as_utc(plan.invite_at)
    else:
        return None
    return None if survey.closes_at is not None and due >= as_utc(survey.closes_at) else due


def set_plan(survey: Survey, *, on_open: bool, after_days: list[int], before_close_days: list[int],
             now: datetime, invite_on_open: bool = False, invite_at: datetime | None = None) -> list[ScheduledJob]:
    """Store the survey's reminder plan (and when its invitations go out) and, when it is open, schedule its
    steps again. Flushes only."""
    for days in (*after_days, *before_close_days):
        if not 1 <= days <= 365:
            raise ValueError(f"reminder days must be between 1 and 365, not {days}")
    if invite_on_open and invite_at is not None:
        raise ValueError("the invitations go out either when the survey opens or at a set time, not both")
    plan = db.session.get(ReminderPlan, survey.id) or ReminderPlan(survey_id=survey.id)
    plan.on_open, plan.after_days, plan.before_close_days = on_open, sorted(set(after_days)), sorted(
        set(before_close_days))
    plan.invite_on_open = invite_on_open
    plan.invite_at = utc(invite_at, "invite_at") if invite_at is not None else None
    db.session.add(plan)
    db.session.flush()
    return schedule_reminders(survey, now) if survey.status == "open" else []


def schedule_reminders(survey: Survey, now: datetime) -> list[ScheduledJob]:
    """Schedule the survey's reminder steps and its invitations (one job each, made once per key) and cancel the
    waiting jobs of steps the plan no longer has. Flushes only; nothing without a plan."""
    plan = db.session.get(ReminderPlan, survey.id)
    steps = reminder_steps(plan, survey, now) if plan is not None else []
    invite = invitations_due(plan, survey, now) if plan is not None else None
    wanted = {job_key(survey.id, step.name) for step in steps}
    waiting = db.session.scalars(sa.select(ScheduledJob.key).where(
        ScheduledJob.key.like(f"survey:{survey.id}:reminder:%"), ScheduledJob.state == "due")).all()
    for key in set(waiting) - wanted:
        cancel(key)
    jobs = [schedule(job_key(survey.id, step.name), step.due_at, KIND, {"survey_id": survey.id, "step": step.name})
            for step in steps]
    if invite is None:
        cancel(invitations_key(survey.id))
    else:
        jobs.insert(0, schedule(invitations_key(survey.id), invite, INVITATIONS_KIND, {"survey_id": survey.id}))
    return jobs


def due_invitees(survey: Survey, step: str) -> sa.Select:
    """Invitations of the survey with no completed response and no ``reminder_due`` row for ``step``."""
    recorded = sa.select(ReminderDue.id).where(ReminderDue.invitation_id == Invitation.id, ReminderDue.step == step)
    return sa.select(Invitation.id).where(Invitation.survey_id == survey.id, Invitation.used_at.is_(None),
                                          ~recorded.exists())


def record_step(survey: Survey, step: str, now: datetime) -> list[int]:
    """Record the invitees due for ``step`` (one ``reminder_due`` row each) and return their invitation ids, in
    order; an invitee recorded before - by this run or another - is not returned. Flushes only."""
    insert = dialect_insert(db.session.get_bind().dialect.name)
    chosen = due_invitees(survey, step).add_columns(sa.literal(survey.id), sa.literal(step), sa.literal(now))
    rows = db.session.execute(
        insert(ReminderDue).from_select(["invitation_id", "survey_id", "step", "created_at"], chosen)
        .on_conflict_do_nothing(index_elements=["invitation_id", "step"]).returning(ReminderDue.invitation_id)
    ).scalars().all()
    return sorted(rows)


@register(KIND)
def run_reminder(payload: dict[str, Any], now: datetime) -> None:
    """The ``reminder`` job: record the step's due invitees and hand them to the hooks. Nothing for a survey that
    is gone, not open or closed by now (a step that runs late because no worker ran still runs)."""
    survey = db.session.get(Survey, int(payload["survey_id"]))
    if survey is None or survey.status != "open":
        return
    if survey.closes_at is not None and as_utc(survey.closes_at) <= now:
        return
    step = str(payload["step"])
    invitation_ids = record_step(survey, step, now)
    for hook in HOOKS:
        hook(survey, step, invitation_ids, now)
