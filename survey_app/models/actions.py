"""Action plans: what a unit (or the whole survey) does about a driver of one wave's report, and their history."""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db
from survey_app.models.types import append_only, utcnow

#: an action's status, in the order of its life
ACTION_STATUSES = ("planned", "in_progress", "done", "dropped")
#: what an action's history entry records
ACTION_EVENT_KINDS = ("created", "status", "note", "owner", "due")


class Action(db.Model):
    """One action of a survey's action plan: a driver to improve in a unit, by an owner, by a due date."""

    __tablename__ = "action_plan"
    __table_args__ = (sa.Index("ix_action_plan_survey_status", "survey_id", "status"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    #: the wave whose report the action was planned from (the next wave's report evaluates it)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"))
    #: the unit that acts; None: the whole survey
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"))
    #: a construct or item code of the survey's questionnaire
    driver: Mapped[str] = mapped_column(sa.String(64))
    title: Mapped[str] = mapped_column(sa.String(200))
    #: the account responsible; None when it was deleted
    owner_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"), index=True)
    due_on: Mapped[date | None] = mapped_column(sa.Date)
    #: planned | in_progress | done | dropped
    status: Mapped[str] = mapped_column(sa.String(16), default="planned")
    #: the latest notes (every change of them is in the history too)
    notes: Mapped[str] = mapped_column(sa.Text, default="")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    updated_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)


class ActionEvent(db.Model):
    """One entry of an action's history; never changed nor deleted."""

    __tablename__ = "action_plan_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    action_id: Mapped[int] = mapped_column(sa.ForeignKey("action_plan.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    #: created | status | note | owner | due
    kind: Mapped[str] = mapped_column(sa.String(16))
    old: Mapped[str | None] = mapped_column(sa.String(320))
    new: Mapped[str | None] = mapped_column(sa.String(320))
    note: Mapped[str | None] = mapped_column(sa.Text)


append_only(ActionEvent, "action history")
