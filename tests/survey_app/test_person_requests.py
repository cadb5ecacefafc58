"""A person's request: every record of an identifier is found across surveys, exported, and erased so that no table
(and no cached report or outbox file) holds it any more; an anonymous survey's responses are never searched."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import (
    AccountLink,
    Action,
    ActionEvent,
    AlertCase,
    AuditEntry,
    CaseEvent,
    Invitation,
    MailMessage,
    ReportJob,
    Response,
    Survey,
    User,
    WebhookDelivery,
    WebhookEndpoint,
)
from survey_app.services import person_requests
from survey_app.services.users import create_user

EMAIL = "Li.Lei@example.com"
T0 = datetime(2026, 12, 7, 9, 0, tzinfo=UTC)


def seed(app, make_survey) -> dict[str, int]:
    """The person everywhere a person can be, mostly in mixed case; another person beside them in each place."""
    make_survey("ident")
    make_survey("anon", anonymous=True)
    with app.app_context():
        ident, anon = (db.session.scalar(sa.select(Survey).filter_by(slug=s)) for s in ("ident", "anon"))
        admin, _ = create_user("admin@example.com", "a-long-password", role="admin")
        create_user(EMAIL.lower(), "a-long-password", role="hr")
        db.session.add(AccountLink(kind="reset", token_hash="a" * 64, email=EMAIL.lower(), expires_at=T0))
        mine = Invitation(survey_id=ident.id, token_hash="b" * 64, external_ref="CUST-7781", email=EMAIL,
                          name="Li Lei", attributes={"tier": "gold", "contact": EMAIL})
        other = Invitation(survey_id=ident.id, token_hash="c" * 64, external_ref="CUST-1", email="han@example.com")
        listed = Invitation(survey_id=anon.id, token_hash="d" * 64, email=EMAIL.upper())
        db.session.add_all([mine, other, listed])
        db.session.flush()
        db.session.add(MailMessage(survey_id=ident.id, invitation_id=mine.id, kind="invitation",
                                   last_error=f"550 {EMAIL} busy"))
        own = Response(survey_id=ident.id, submission_key="k1", resume_hash="e" * 64, invitation_id=mine.id,
                       status="complete", answers={"SAT": 3, "COMMENT": "slow service"})
        mention = Response(survey_id=ident.id, submission_key="k2", resume_hash="f" * 64, invitation_id=other.id,
                           status="complete", answers={"SAT": 9, "COMMENT": f"ask {EMAIL.lower()}, she helped"})
        db.session.add_all([own, mention])
        db.session.flush()
        for response, notified in ((own, []), (mention, [EMAIL.lower(), "boss@example.com"])):
            case = AlertCase(survey_id=ident.id, response_id=response.id, rule_name="detractors", due_at=T0,
                             notified=notified)
            db.session.add(case)
            db.session.flush()
            db.session.add(CaseEvent(case_id=case.id, kind="note", note=f"called {EMAIL} today"))
        action = Action(survey_id=ident.id, driver="SAT", title="Train the desk", notes=f"with {EMAIL}")
        db.session.add(action)
        db.session.flush()
        db.session.add(ActionEvent(action_id=action.id, kind="note", note=f"{EMAIL} agreed"))
        endpoint = WebhookEndpoint(survey_id=ident.id, url="https://example.com/h", secret="s" * 30,
                                   events="alert.created", created_at=T0)
        db.session.add(endpoint)
        db.session.flush()
        db.session.add(WebhookDelivery(survey_id=ident.id, endpoint_id=endpoint.id, event="alert.created",
                                       event_id="evt_1", payload={"respondent": {"email": EMAIL}}, created_at=T0))
        ident.units[0].owners = f"boss@example.com;{EMAIL}"
        db.session.add(ReportJob(survey_id=ident.id, language="en", cache_key="k", state="done",
                                 pdf=b"%PDF " + EMAIL.encode()))
        db.session.commit()
        return {"admin": admin.id}


def everything(app) -> str:
    """Every value of every table, as one lower-case text."""
    with app.app_context():
        parts = []
        for table in db.metadata.sorted_tables:
            for row in db.session.execute(sa.select(table)):
                parts.extend(v.decode("latin-1") if isinstance(v, bytes) else str(v) for v in row)
        return "\n".join(parts).lower()


def test_a_persons_records_are_found_exported_and_erased_from_every_table(app, make_survey, tmp_path):
    ids = seed(app, make_survey)
    app.config["MAIL_OUTBOX"] = str(tmp_path / "outbox")
    survey_mail = tmp_path / "outbox" / ".ident" / "new"
    survey_mail.mkdir(parents=True)
    (survey_mail / "1.eml").write_text(f"To: {EMAIL}\n\nHello")
    console_mail = tmp_path / "outbox" / ".accounts" / "new"
    console_mail.mkdir(parents=True)
    (console_mail / "2.eml").write_text(f"To: {EMAIL.lower()}\n\nReset")
    (console_mail / "3.eml").write_text("To: someone@example.com\n\nReset")
    assert EMAIL.lower() in everything(app)
    with app.app_context():
        found = person_requests.find(f"  {EMAIL.upper()} ")
        assert person_requests.counts(found) == {
            "account": 1, "account_link": 1, "action": 1, "action_note": 1, "case": 2, "case_note": 1,
            "invitation": 2, "mail": 1, "response": 2, "unit_owner": 1, "webhook_delivery": 1}
        exported = person_requests.as_json(found)
        assert {r["survey"] for r in exported["records"]["invitation"]} == {"ident", "anon"}
        assert {r["field"] for r in person_requests.as_rows(found)} >= {"email", "answers", "payload"}
        admin = db.session.get(User, ids["admin"])
        erased = person_requests.erase(EMAIL, by=admin)
        db.session.commit()
        assert erased["response"] == 2
        assert person_requests.find(EMAIL) == []
        # the other person's records stay, without the mention
        comment = db.session.scalar(sa.select(Response.answers).where(Response.submission_key == "k2"))["COMMENT"]
        assert comment == "ask [erased], she helped"
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id))) == 1
        assert db.session.scalar(sa.select(sa.func.count(ReportJob.id))) == 0
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id))) == 0  # the view audits, not the service
    assert EMAIL.lower() not in everything(app)
    assert "li lei" not in everything(app)
    assert not (survey_mail / "1.eml").exists() and not (console_mail / "2.eml").exists()
    assert (console_mail / "3.eml").exists()


def test_an_anonymous_surveys_responses_are_never_searched(app, make_survey):
    make_survey("anon", anonymous=True)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="anon"))
        db.session.add(Response(survey_id=survey.id, submission_key="k", resume_hash="9" * 64, status="complete",
                                answers={"COMMENT": f"my manager {EMAIL} shouts"}))
        db.session.commit()
        assert person_requests.find(EMAIL) == []
        with pytest.raises(ValueError, match="characters"):
            person_requests.find(" a ")


def test_an_account_cannot_erase_itself(app):
    with app.app_context():
        user, _ = create_user(EMAIL, "a-long-password", role="admin")
        with pytest.raises(ValueError, match="itself"):
            person_requests.erase(EMAIL, by=user)
