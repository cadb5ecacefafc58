"""Alert rules of a survey, the cases they open, and each case's append-only history (docs/alerts.md)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from survey_app.extensions import db
from survey_app.models.types import JSONType, append_only, utcnow

#: a rule's priority, most urgent first (the case list sorts by this order)
PRIORITIES = ("urgent", "high", "normal", "low")
#: the tests a rule may add to its condition
SPECIAL_TESTS = ("satisfied_not_loyal", "keywords")
#: a case's status, in the order of its life
CASE_STATUSES = ("new", "in_progress", "waiting", "resolved")
#: what a history entry records
EVENT_KINDS = ("opened", "assigned", "status", "note", "overdue", "mail_failed", "followup")


class AlertRule(db.Model):
    """A condition on a complete response that opens a case (identified surveys only)."""

    __tablename__ = "alert_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    #: a condition of the questionnaire logic (instruments.logic); None: only the special tests
    condition: Mapped[dict[str, Any] | None] = mapped_column(JSONType, nullable=True)
    #: the respondent is satisfied but not loyal (analysis.trap.satisfied_not_loyal), as an extra test
    satisfied_not_loyal: Mapped[bool] = mapped_column(default=False)
    #: an open-text answer contains one of these (case-insensitive), as an extra test; None or []: no such test
    keywords: Mapped[list[str] | None] = mapped_column(JSONType, nullable=True)
    #: urgent | high | normal | low
    priority: Mapped[str] = mapped_column(sa.String(16), default="normal")
    #: hours from the alert to the case's due time
    sla_hours: Mapped[int] = mapped_column(default=48)
    #: a rule switched off evaluates nothing; a rule that opened cases is switched off rather than deleted
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))


class AlertCase(db.Model):
    """The follow-up of one alert: one response that met one rule (once: the unique constraint)."""

    __tablename__ = "alert_case"
    __table_args__ = (
        sa.UniqueConstraint("rule_id", "response_id", name="uq_alert_case_rule_response"),
        sa.Index("ix_alert_case_survey_status", "survey_id", "status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    survey_id: Mapped[int] = mapped_column(sa.ForeignKey("survey.id", ondelete="CASCADE"))
    response_id: Mapped[int] = mapped_column(sa.ForeignKey("response.id", ondelete="CASCADE"), index=True)
    rule_id: Mapped[int | None] = mapped_column(sa.ForeignKey("alert_rule.id", ondelete="SET NULL"))
    #: the rule's name when the case was opened
    rule_name: Mapped[str] = mapped_column(sa.String(200))
    unit_id: Mapped[int | None] = mapped_column(sa.ForeignKey("unit.id", ondelete="SET NULL"))
    #: the account responsible (assignee); None when nobody who may see the survey was found
    assignee_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"),
                                                    index=True)
    #: the addresses the alert went to (the unit's owners, or the survey's owner)
    notified: Mapped[list[str]] = mapped_column(JSONType, default=list)
    #: the rule's priority (models.alerts.PRIORITIES)
    priority: Mapped[str] = mapped_column(sa.String(16), default="normal")
    #: the invitee's ``tier`` attribute (platinum, gold, silver, bronze), if any
    tier: Mapped[str | None] = mapped_column(sa.String(32))
    #: the invitee's ``value`` (lifetime value) attribute as a number, if any
    value: Mapped[float | None] = mapped_column(sa.Float)
    #: sort key: priority first, then tier (services.cases.rank); smaller comes first
    rank: Mapped[int] = mapped_column(default=0)
    #: new | in_progress | waiting | resolved
    status: Mapped[str] = mapped_column(sa.String(16), default="new")
    created_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    #: created_at + the rule's SLA
    due_at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True))
    resolved_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    #: when the overdue notice went out (once per case)
    overdue_notified_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))


class CaseEvent(db.Model):
    """One entry of a case's history: who changed what, when; never changed nor deleted (see services.cases)."""

    __tablename__ = "alert_case_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    case_id: Mapped[int] = mapped_column(sa.ForeignKey("alert_case.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(sa.DateTime(timezone=True), default=utcnow)
    #: the account; None: the system (the rule, the scheduler)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id", ondelete="SET NULL"))
    #: opened | assigned | status | note | overdue | mail_failed | followup (the recovery follow-up was sent)
    kind: Mapped[str] = mapped_column(sa.String(16))
    old: Mapped[str | None] = mapped_column(sa.String(320))
    new: Mapped[str | None] = mapped_column(sa.String(320))
    note: Mapped[str | None] = mapped_column(sa.Text)


append_only(CaseEvent, "case history")
