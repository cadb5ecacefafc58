"""Retention with a moved clock, on SQLite and PostgreSQL: nothing is touched before a period ends, nothing of
the expired data is left in any table or file after it, and a second run changes nothing."""

from __future__ import annotations

import logging
from datetime import timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    AlertCase,
    AuditEntry,
    CaseEvent,
    Invitation,
    MailMessage,
    ReportJob,
    Response,
    Survey,
    WebhookDelivery,
    WebhookEndpoint,
)
from survey_app.scheduler.jobs import run_due
from survey_app.scheduler.models import ReminderDue, ScheduledJob
from survey_app.services import retention
from survey_app.services.lifecycle import change_status
from survey_app.services.mail.transport import outbox_folder
from tests.survey_app.alert_fixtures import HAPPY, T0, add_response, setup_world

#: tables that may keep rows of a survey whose every period has passed: its settings, not anybody's data
SETTINGS_TABLES = {"survey", "unit", "survey_access", "survey_version", "alert_rule", "webhook_endpoint",
                   "reminder_plan", "survey_channels", "action_plan", "api_token", "scheduled_job", "audit_log"}
CLOSED = T0 + timedelta(days=1)


@pytest.fixture
def world(app, make_survey, tmp_path: Path) -> dict:
    """A closed identified survey with two responses (free text), a case, mail, a webhook delivery, a cached
    report and outbox files; periods: deliveries 5 days, invitees 10, answers 30."""
    app.config["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    ids = setup_world(app, make_survey, slug="kept")
    first = add_response(app, "kept", {**HAPPY, "COMMENT": "Ask for Mrs Wang, she was great"})
    add_response(app, "kept", {**HAPPY, "PROBLEM": 1, "PROBLEM_TEXT": "My card 6222 was refused"})
    make_survey("other")
    with app.app_context():
        survey = db.session.get(Survey, ids["survey_id"])
        invitation_id = db.session.scalar(sa.select(Invitation.id).filter_by(survey_id=survey.id).limit(1))
        case = AlertCase(survey_id=survey.id, response_id=first, rule_name="angry", due_at=T0)
        db.session.add(case)
        db.session.flush()
        db.session.add(CaseEvent(case_id=case.id, at=T0, kind="opened"))
        db.session.add(MailMessage(survey_id=survey.id, invitation_id=invitation_id, kind="invitation"))
        db.session.add(ReminderDue(survey_id=survey.id, invitation_id=invitation_id, step="open"))
        endpoint = WebhookEndpoint(survey_id=survey.id, url="https://example.com/hook", secret="s",
                                   events=" response.completed ")
        db.session.add(endpoint)
        db.session.flush()
        db.session.add(WebhookDelivery(survey_id=survey.id, endpoint_id=endpoint.id, event="response.completed",
                                       event_id="evt_1", payload={"answers": {"COMMENT": "Mrs Wang"}}, created_at=T0))
        db.session.add(ReportJob(survey_id=survey.id, language="en", cache_key="k", state="done", pdf=b"%PDF-1.7"))
        message = EmailMessage()
        message["To"] = "customer0@example.com"
        message.set_content("Your link")
        outbox_folder(Path(app.config["MAIL_OUTBOX"]), "kept").add(message)
        outbox_folder(Path(app.config["MAIL_OUTBOX"]), "cases-kept").add(message)
        survey.answers_retention_days, survey.invitees_retention_days, survey.deliveries_retention_days = 30, 10, 5
        change_status(survey, "close", now=CLOSED)
        db.session.commit()
    return ids


def _rows(survey_id: int) -> dict[str, int]:
    """Rows per table that belong to the survey (directly, or through its cases)."""
    counts = {}
    for table in db.metadata.sorted_tables:
        if "survey_id" in table.c:
            counts[table.name] = db.session.scalar(
                sa.select(sa.func.count()).select_from(table).where(table.c.survey_id == survey_id))
    counts["alert_case_event"] = db.session.scalar(sa.select(sa.func.count(CaseEvent.id)).where(
        CaseEvent.case_id.in_(sa.select(AlertCase.id).where(AlertCase.survey_id == survey_id))))
    return counts


def _dump(survey_id: int) -> list[tuple]:
    """Every column of the survey's responses and invitations, to compare two runs."""
    responses = db.session.execute(sa.select(Response.__table__).where(Response.survey_id == survey_id)
                                   .order_by(Response.id)).all()
    invitations = db.session.execute(sa.select(Invitation.__table__).where(Invitation.survey_id == survey_id)
                                     .order_by(Invitation.id)).all()
    return [tuple(row) for row in [*responses, *invitations]]


def _files(app) -> int:
    """Files left in the survey's folders of the mail outbox."""
    root = Path(app.config["MAIL_OUTBOX"])
    return sum(1 for folder in (root / ".kept", root / ".cases-kept") if folder.is_dir()
               for path in folder.rglob("*") if path.is_file() and path.name != "maildirfolder")


def test_nothing_is_touched_before_a_period_ends(app, world):
    with app.app_context():
        before = _rows(world["survey_id"]), _dump(world["survey_id"])
        counts = retention.run_retention(CLOSED + timedelta(days=5) - timedelta(seconds=1))
        db.session.commit()
        assert counts.total() == 0
        assert (_rows(world["survey_id"]), _dump(world["survey_id"])) == before
    assert _files(app) == 2


def test_each_period_takes_its_own_data(app, world):
    with app.app_context():
        retention.run_retention(CLOSED + timedelta(days=5))
        db.session.commit()
        rows = _rows(world["survey_id"])
        assert rows["mail_message"] == rows["webhook_delivery"] == 0
        assert rows["invitation"] == 2 and rows["response"] == 2 and rows["report_job"] == 1
        retention.run_retention(CLOSED + timedelta(days=10))
        db.session.commit()
        rows = _rows(world["survey_id"])
        assert rows["invitation"] == rows["reminder_due"] == 0 and rows["response"] == 2
        assert db.session.scalars(sa.select(Response.invitation_id)).all() == [None, None]


def test_after_expiry_nothing_is_left_and_a_second_run_changes_nothing(app, world, caplog):
    caplog.set_level(logging.INFO, logger="survey_app.services.retention")
    at = CLOSED + timedelta(days=30)
    with app.app_context():
        other = _rows(db.session.scalar(sa.select(Survey.id).filter_by(slug="other")))
        counts = retention.run_retention(at)
        db.session.commit()
        assert counts.responses_deleted == 2 and counts.invitations_deleted == 2 and counts.cases_deleted == 1
        assert counts.report_jobs_deleted == 1 and counts.outbox_files_deleted == 2
        left = {table: n for table, n in _rows(world["survey_id"]).items() if n and table not in SETTINGS_TABLES}
        assert left == {}
        assert _rows(db.session.scalar(sa.select(Survey.id).filter_by(slug="other"))) == other
        again = retention.run_retention(at + timedelta(days=1))
        db.session.commit()
        assert again.total() == 0
        entries = db.session.scalars(sa.select(AuditEntry).filter_by(action="data.deleted")).all()
        assert [(e.survey_id, e.target, e.detail["responses_deleted"]) for e in entries] == [
            (world["survey_id"], "retention", 2)]
    assert _files(app) == 0
    logged = " ".join(record.getMessage() for record in caplog.records)
    assert "responses_deleted=2" in logged
    assert "@" not in logged and "Wang" not in logged  # counts only


def test_anonymising_keeps_answers_without_anything_that_identifies(app, world):
    with app.app_context():
        survey = db.session.get(Survey, world["survey_id"])
        survey.answers_retention = "anonymise"
        db.session.commit()
        hashes = set(db.session.scalars(sa.select(Response.resume_hash)))
        counts = retention.run_retention(CLOSED + timedelta(days=30))
        db.session.commit()
        assert counts.responses_anonymised == 2
        responses = db.session.scalars(sa.select(Response).order_by(Response.id)).all()
        assert [r.answers for r in responses] == [HAPPY, {**HAPPY, "PROBLEM": 1}]
        assert all(r.invitation_id is None and r.idempotency_key is None for r in responses)
        assert not hashes & {r.resume_hash for r in responses}
        assert {(r.submitted_at.hour, r.submitted_at.minute) for r in responses} == {(0, 0)}
        before = _dump(world["survey_id"])
        assert retention.run_retention(CLOSED + timedelta(days=31)).total() == 0
        db.session.commit()
        assert _dump(world["survey_id"]) == before


def test_the_scheduler_runs_retention_once_a_day(app, world):
    at = CLOSED + timedelta(days=40)
    with app.app_context():
        survey = db.session.get(Survey, world["survey_id"])
        periods = survey.answers_retention_days, survey.invitees_retention_days, survey.deliveries_retention_days
        survey.answers_retention_days = survey.invitees_retention_days = survey.deliveries_retention_days = None
        retention.schedule_daily(at)  # no survey has a period: no job
        assert db.session.scalar(sa.select(sa.func.count(ScheduledJob.id))) == 0
        survey.answers_retention_days, survey.invitees_retention_days, survey.deliveries_retention_days = periods
        retention.schedule_daily(at)
        retention.schedule_daily(at + timedelta(hours=3))  # a later pass the same day makes no second job
        db.session.commit()
        summary = run_due(at, "test-worker")
        assert summary.done == [f"retention:{at.date().isoformat()}"]
        assert _rows(world["survey_id"])["response"] == 0


def test_the_preview_says_what_goes_when(app, world):
    with app.app_context():
        survey = db.session.get(Survey, world["survey_id"])
        steps = {step.name: step for step in retention.plan(survey, CLOSED)}
        assert steps["answers"].due_at == CLOSED + timedelta(days=30)
        assert steps["answers"].pending == 2 + 1 + 1  # responses, the case, the webhook delivery
        assert steps["invitees"].pending == 2 and steps["deliveries"].pending == 2
        change_status(survey, "reopen", now=CLOSED)
        assert all(step.due_at is None for step in retention.plan(survey, CLOSED))
