"""The scheduler's tables: jobs with a lease, and the reminder steps' plan and idempotency rows."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db
from survey_app.models.types import JSONType, utcnow

JOB_STATES = ("due", "running", "done", "failed")


class ScheduledJob(db.Model):
    """One piece of work to run once at or after ``due_at``, by whichever process claims it first."""

    __tablename__ = "scheduled_job"
    __table_args__ = (sa.Index("ix_scheduled_job_state_due_at", "state", "due_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: what the job is for, e.g. ``survey:12:reminder:after-3d``; unique, so scheduling the same thing twice
    #: (two processes opening the same survey, a retried request) makes one job
    key: Mapped[str] = mapped_column(sa.String(200), unique=True)
    #: the registered function that runs it (survey_app.scheduler.jobs.register)
    kind: Mapped[str] = mapped_column(sa.String(32))
    #: the function's argument: plain JSON (ids, not objects)
    payload: Mapped[dict[str, Any]] = mapped_column(JSONType, default=dict)
    #: not run before this time (UTC)
    due_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    #: due | running | done | failed
    state: Mapped[str] = mapped_column(sa.String(16), default="due")
    #: how many times a worker claimed it (a claim after an expired lease counts)
    attempts: Mapped[int] = mapped_column(default=0)
    #: claims after which it gives up (state failed)
    max_attempts: Mapped[int] = mapped_column(default=5)
    #: the worker holding it while running ("host:pid:random")
    claimed_by: Mapped[str | None] = mapped_column(sa.String(100))
    #: a running job whose lease has passed lost its worker and may be claimed again
    lease_until: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: the last failure, as the exception printed it
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class ReminderPlan(db.Model):
    """When a survey's reminders go out, relative to its opening and closing."""

    __tablename__ = "reminder_plan"

    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), primary_key=True)
    #: a step when the survey opens (``open``)
    on_open: Mapped[bool] = mapped_column(default=False)
    #: days after the opening, one step each (``after-<n>d``)
    after_days: Mapped[list[int]] = mapped_column(JSONType, default=list)
    #: days before the closing, one step each (``before-close-<n>d``); ignored while the survey has no closing time
    before_close_days: Mapped[list[int]] = mapped_column(JSONType, default=list)
    #: the invitations are queued when the survey opens (a job ``survey:<id>:invitations``)
    invite_on_open: Mapped[bool] = mapped_column(default=False, server_default=sa.false())
    #: ... or at this time (UTC); neither: only the console's "send invitations" button queues them
    invite_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class ReminderDue(db.Model):
    """One invitee due for one reminder step: written once, whichever worker runs the step and however often."""

    __tablename__ = "reminder_due"
    __table_args__ = (
        # the work's idempotency key: a step run twice (a worker killed after the work, before the job was marked
        # done, and the job taken again) records nobody twice
        sa.UniqueConstraint("invitation_id", "step", name="uq_reminder_due_invitation_step"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    invitation_id: Mapped[int] = mapped_column(sa.ForeignKey("invitation.id", ondelete="CASCADE"))
    #: ``open``, ``after-3d``, ``before-close-1d``
    step: Mapped[str] = mapped_column(sa.String(32))
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
