"""Retention: a closed survey's answers, invitee list and delivery logs go a set number of days after its closing.

Three periods per survey (docs/privacy.md), each counted from the closing (``closed_at``, or ``closes_at`` once it
has passed): the answers are deleted, or anonymised (identifier and free-text answers removed, the invitation link
and the resume and submission keys dropped, the times cut to the day); the invitations are deleted with their
reminder rows and messages; the delivery logs (mail messages, webhook deliveries) are deleted. Whatever was
derived from the answers goes with them: alert cases and their history, webhook deliveries (their payloads carry
answers), report jobs and the mail outbox's folders (services.derived). The scheduler runs :func:`run_retention`
once a day (the ``retention`` job); each step acts only on what is still there, so a second run changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timedelta
from typing import Any

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.messages import N_, TranslatableError
from survey_app.models import (
    AlertCase,
    CaseEvent,
    Invitation,
    MailMessage,
    Response,
    Survey,
    SurveyRelease,
    WebhookDelivery,
)
from survey_app.models.types import as_utc
from survey_app.scheduler.jobs import register, schedule
from survey_app.services.audit import record
from survey_app.services.derived import purge_derived, remove_outbox

logger = logging.getLogger(__name__)

KIND = "retention"
#: what happens to the answers when their period ends
ANSWER_RULES = ("delete", "anonymise")
#: the steps, in the order a run takes them
STEPS = ("answers", "invitees", "deliveries")
#: the longest period the console accepts (ten years)
MAX_DAYS = 3660


@dataclass(frozen=True)
class Step:
    """One retention step of a survey: when it is due (None: no period set, or the survey is not closed) and the
    rows (and files) it would remove or anonymise if it ran now."""

    name: str
    days: int | None
    due_at: datetime | None
    pending: int


@dataclass
class RetentionCounts:
    """What a run removed or anonymised (counts only: this is what the log shows)."""

    responses_deleted: int = 0
    responses_anonymised: int = 0
    cases_deleted: int = 0
    invitations_deleted: int = 0
    mail_messages_deleted: int = 0
    webhook_deliveries_deleted: int = 0
    report_jobs_deleted: int = 0
    outbox_files_deleted: int = 0

    def add(self, other: RetentionCounts) -> None:
        for item in fields(self):
            setattr(self, item.name, getattr(self, item.name) + getattr(other, item.name))

    def total(self) -> int:
        return sum(getattr(self, item.name) for item in fields(self))

    def as_text(self) -> str:
        return ", ".join(f"{item.name}={getattr(self, item.name)}" for item in fields(self))


def closed_since(survey: Survey, now: datetime) -> datetime | None:
    """When the survey closed: its status change to closed or archived, or its closing time once passed."""
    moments = [as_utc(survey.closed_at)] if survey.closed_at is not None and survey.status in ("closed",
                                                                                                "archived") else []
    if survey.closes_at is not None and as_utc(survey.closes_at) <= now and survey.status != "draft":
        moments.append(as_utc(survey.closes_at))
    return min(moments, default=None)


def _days(survey: Survey, step: str) -> int | None:
    return {"answers": survey.answers_retention_days, "invitees": survey.invitees_retention_days,
            "deliveries": survey.deliveries_retention_days}[step]


def due_at(survey: Survey, step: str, now: datetime) -> datetime | None:
    """When ``step`` of the survey is due; None while no period is set or the survey is not closed."""
    days, closed = _days(survey, step), closed_since(survey, now)
    return None if days is None or closed is None else closed + timedelta(days=days)


def plan(survey: Survey, now: datetime) -> list[Step]:
    """The survey's retention steps with their due times and what each would remove now (the console preview)."""
    return [Step(name, _days(survey, name), due_at(survey, name, now), _pending(survey, name)) for name in STEPS]


def _count(model: type, *where: Any) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model).where(*where)) or 0


def _pending(survey: Survey, step: str) -> int:
    if step == "answers":
        responses = (_count(Response, Response.survey_id == survey.id, Response.anonymised_at.is_(None))
                     if survey.answers_retention == "anonymise" else _count(Response, Response.survey_id == survey.id))
        return responses + _count(AlertCase, AlertCase.survey_id == survey.id) + _count(
            WebhookDelivery, WebhookDelivery.survey_id == survey.id)
    if step == "invitees":
        return _count(Invitation, Invitation.survey_id == survey.id)
    return _count(MailMessage, MailMessage.survey_id == survey.id) + _count(
        WebhookDelivery, WebhookDelivery.survey_id == survey.id)


def apply_retention(survey: Survey, now: datetime) -> RetentionCounts:
    """Take every step of the survey that is due at ``now``; flushes only."""
    counts = RetentionCounts()
    for step in STEPS:
        due = due_at(survey, step, now)
        if due is not None and due <= now:
            counts.add(_STEP_FUNCTIONS[step](survey, now))
    db.session.flush()
    return counts


def _with_periods() -> sa.ColumnElement[bool]:
    return sa.or_(Survey.answers_retention_days.is_not(None), Survey.invitees_retention_days.is_not(None),
                  Survey.deliveries_retention_days.is_not(None))


def run_retention(now: datetime) -> RetentionCounts:
    """Apply the retention of every survey with a period set; logs one line per survey that lost something."""
    total = RetentionCounts()
    for survey in db.session.scalars(sa.select(Survey).where(_with_periods()).order_by(Survey.id)):
        counts = apply_retention(survey, now)
        if counts.total():
            logger.info("retention: survey %s: %s", survey.id, counts.as_text())
            record("data.deleted", account=None, survey=survey, target="retention", detail=asdict(counts))
        total.add(counts)
    logger.info("retention run: %s", total.as_text())
    return total


@register(KIND)
def retention_job(payload: dict[str, Any], now: datetime) -> None:
    """The daily ``retention`` job."""
    run_retention(now)


def schedule_daily(now: datetime) -> None:
    """Make today's retention job (one per day: its key names the day; making it again does nothing), while any
    survey has a retention period."""
    if db.session.scalar(sa.select(Survey.id).where(_with_periods()).limit(1)) is None:
        return
    day = now.replace(hour=0, minute=0, second=0, microsecond=0)
    schedule(f"retention:{day.date().isoformat()}", day, KIND, {})


def _delete(model: type, *where: Any) -> int:
    return db.session.execute(sa.delete(model).where(*where), execution_options={"synchronize_session": False}
                              ).rowcount


def _delete_cases(survey: Survey) -> int:
    """The survey's alert cases with their history; follow-up invitations that named a case keep no link to it."""
    cases = sa.select(AlertCase.id).where(AlertCase.survey_id == survey.id)
    db.session.execute(sa.update(Invitation).where(Invitation.case_id.in_(cases)).values(case_id=None),
                       execution_options={"synchronize_session": False})
    # the history is append-only for the console (an ORM listener); deleting it with its case is the exception
    _delete(CaseEvent, CaseEvent.case_id.in_(cases))
    return _delete(AlertCase, AlertCase.survey_id == survey.id)


def _answers(survey: Survey, now: datetime) -> RetentionCounts:
    deliveries = _delete(WebhookDelivery, WebhookDelivery.survey_id == survey.id)
    counts = RetentionCounts(cases_deleted=_delete_cases(survey), webhook_deliveries_deleted=deliveries)
    if survey.answers_retention == "anonymise":
        counts.responses_anonymised = _anonymise(survey, now)
    else:
        counts.responses_deleted = _delete(Response, Response.survey_id == survey.id)
        _delete(SurveyRelease, SurveyRelease.survey_id == survey.id)
    derived = purge_derived(survey)
    counts.report_jobs_deleted, counts.outbox_files_deleted = derived.report_jobs, derived.outbox_files
    return counts


def personal_codes(survey: Survey) -> set[str]:
    """The answer keys that can identify or quote a person: identifier items and free-text items, of the current
    questionnaire and of earlier versions."""
    from survey_app.services.survey_versions import answer_instrument

    instrument = answer_instrument(survey)
    return {item.code for item in instrument.items
            if item.role in ("customer_id", "open_text") or instrument.scale_of(item).kind == "text"}


def _day(moment: datetime | None) -> datetime | None:
    return None if moment is None else as_utc(moment).replace(hour=0, minute=0, second=0, microsecond=0)


def _anonymise(survey: Survey, now: datetime) -> int:
    codes = personal_codes(survey)
    done = 0
    for response in db.session.scalars(sa.select(Response).where(Response.survey_id == survey.id,
                                                                  Response.anonymised_at.is_(None))):
        # new random keys: the old ones were known to the respondent (resume link) or to an API client
        response.resume_hash = hashlib.sha256(secrets.token_bytes(32)).hexdigest()
        response.submission_key = secrets.token_hex(16)
        response.invitation_id = None
        response.idempotency_key = None
        response.consent_text = None
        response.answers = {code: value for code, value in response.answers.items() if code not in codes}
        response.started_at, response.updated_at = _day(response.started_at), _day(response.updated_at)
        response.submitted_at = _day(response.submitted_at)
        response.anonymised_at = _day(now)
        done += 1
    return done


def _invitees(survey: Survey, now: datetime) -> RetentionCounts:
    from survey_app.scheduler.models import ReminderDue

    invitations = sa.select(Invitation.id).where(Invitation.survey_id == survey.id)
    db.session.execute(sa.update(Response).where(Response.invitation_id.in_(invitations)).values(invitation_id=None),
                       execution_options={"synchronize_session": False})
    _delete(ReminderDue, ReminderDue.survey_id == survey.id)
    messages = _delete(MailMessage, MailMessage.survey_id == survey.id)
    return RetentionCounts(mail_messages_deleted=messages, outbox_files_deleted=remove_outbox(survey),
                           invitations_deleted=_delete(Invitation, Invitation.survey_id == survey.id))


def _deliveries(survey: Survey, now: datetime) -> RetentionCounts:
    return RetentionCounts(mail_messages_deleted=_delete(MailMessage, MailMessage.survey_id == survey.id),
                           webhook_deliveries_deleted=_delete(WebhookDelivery, WebhookDelivery.survey_id == survey.id),
                           outbox_files_deleted=remove_outbox(survey))


_STEP_FUNCTIONS = {"answers": _answers, "invitees": _invitees, "deliveries": _deliveries}


def set_periods(survey: Survey, *, answers_days: int | None, answers_rule: str, invitees_days: int | None,
                deliveries_days: int | None) -> None:
    """Set the survey's retention periods (None: kept); TranslatableError for a period out of range. Flushes only."""
    if answers_rule not in ANSWER_RULES:
        raise ValueError(f"answers_rule must be one of {ANSWER_RULES}")
    for days in (answers_days, invitees_days, deliveries_days):
        if days is not None and not 0 <= days <= MAX_DAYS:
            raise TranslatableError(N_("a retention period is a number of days from 0 to %(n)s"), n=MAX_DAYS)
    survey.answers_retention_days, survey.answers_retention = answers_days, answers_rule
    survey.invitees_retention_days, survey.deliveries_retention_days = invitees_days, deliveries_days
    db.session.flush()
