"""Recovery follow-up: resolving a case sends the customer the follow-up survey (made once per survey), the email
goes through a real SMTP server (aiosmtpd), the answer given through the personal link is linked to the case, the
case page shows it, and the report's complaint recovery section shows the figures. Never on anonymous surveys."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AlertCase, Invitation, MailMessage, Response, Survey, User
from survey_app.services import cases, recovery
from survey_app.services.alerts import evaluate_response, save_rule
from survey_app.services.analysis import survey_report
from survey_app.services.mail import send_queued
from tests.survey_app.alert_fixtures import HAPPY, PASSWORD, T0, add_response, setup_world
from tests.survey_app.test_lifecycle import _answer
from tests.survey_app.test_mail import smtp_server  # noqa: F401  (the fixture)

COMPLAINT = {**HAPPY, "NPS": 3, "PROBLEM": 1, "PROBLEM_TEXT": "The refund never came."}
RECOVERED = [{"FUOUT": "5", "FUPROC": "4", "FUINT": "5", "FUSAT": "5"}, {"FURET": "9", "FUREC": "9"}]


@pytest.fixture
def world(app, make_survey, smtp_server):  # noqa: F811
    app.config.update(SMTP_URL=smtp_server.url, PUBLIC_BASE_URL="http://manyi.test")
    setup_world(app, make_survey)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
        save_rule(survey, name="detractor", condition={"item": "NPS", "le": 6}, priority="high", sla_hours=24)
        db.session.commit()
    for _ in range(4):
        add_response(app, "alerts", HAPPY)  # never had a problem, recommend 10
    return smtp_server


def _open_case(app) -> int:
    response_id = add_response(app, "alerts", COMPLAINT)
    with app.app_context():
        [case] = evaluate_response(response_id, T0)
        db.session.commit()
        return case.id


def _owner() -> User:
    return db.session.scalar(sa.select(User).filter_by(email="owner@example.com"))


def test_followup_made_once_mailed_answered_linked_to_the_case_and_reported(app, client, world):
    first, second = _open_case(app), _open_case(app)
    with app.app_context():
        case = db.session.get(AlertCase, first)
        with pytest.raises(ValueError, match="resolve the case first"):
            recovery.send_followup(case, _owner(), T0)
        cases.change_status(case, "resolved", _owner(), T0 + timedelta(hours=3))
        invitation = recovery.send_followup(case, _owner(), T0 + timedelta(hours=3))
        db.session.commit()
        assert invitation.case_id == first and invitation.email.startswith("customer")
        with pytest.raises(ValueError, match="sent about this case already"):
            recovery.send_followup(case, _owner(), T0 + timedelta(hours=4))
        db.session.rollback()
        other = db.session.get(AlertCase, second)
        cases.change_status(other, "resolved", _owner(), T0 + timedelta(hours=5))
        recovery.send_followup(other, None, T0 + timedelta(hours=5))
        db.session.commit()
        parent = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
        followups = db.session.scalars(sa.select(Survey).filter_by(followup_of_id=parent.id)).all()
        assert [s.slug for s in followups] == ["alerts-followup"]  # one follow-up survey, reused
        assert not followups[0].anonymous and followups[0].instrument_key == "recovery_followup"
        assert db.session.scalar(sa.select(sa.func.count(MailMessage.id)).filter_by(kind="followup")) == 2
        assert [e.kind for e in cases.history(case)] == ["opened", "status", "followup"]
        assert recovery.followup_state(case).state == "queued"
        sent = send_queued(now=lambda: T0 + timedelta(hours=6), sleep=lambda _: None)
        assert sent.sent == 2
        assert recovery.followup_state(case).state == "sent"
        address = invitation.email

    mail = next(m for m in world.received if m["To"] == address)
    subject = " ".join(str(mail["Subject"]).split())  # folded: it is long
    assert subject == "How did we handle your problem? Store satisfaction: complaint follow-up"  # in English
    text = mail.get_body(("plain",)).get_content()
    assert "refund" not in text  # the follow-up carries its link, never the complaint
    link = re.search(r"http://manyi\.test(/s/alerts-followup/\S+)", text).group(1)

    last = _answer(client, link, RECOVERED)
    assert "thanks" in last.request.path
    with app.app_context():
        answer = db.session.scalar(sa.select(Response).join(Invitation, Invitation.id == Response.invitation_id)
                                   .where(Invitation.case_id == first))
        assert answer.status == "complete" and answer.answers["FUREC"] == 9
        state = recovery.followup_state(db.session.get(AlertCase, first))
        assert state.state == "answered" and state.answers["FUSAT"] == 5
        parent = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
        result = recovery.recovery_result(parent)
        assert (result.cases, result.resolved, result.invited, result.answered) == (2, 2, 2, 1)
        assert (result.hours_median, result.hours_q1, result.hours_q3) == (4.0, 3.5, 4.5)
        assert [(g.group, g.n, g.mean) for g in result.groups] == [
            ("recovered", 1, 9.0), ("never_problem", 4, 10.0), ("not_recovered", 0, None)]
        html = survey_report(parent, lang="en", fmt="html")
        zh = survey_report(parent, lang="zh", fmt="html")
    section = html[html.index('<section id="recovery"'):]
    section = section[:section.index("</section>")]
    assert "Complaint recovery" in section
    assert "median 4.0 (IQR 3.5 to 4.5)" in section
    assert "1 of 2 (50.0%" in section
    assert re.search(r'data-group="recovered"><td>Complained, recovered</td><td class="num">1</td>\s*'
                     r'<td class="num">9.0', section)
    assert re.search(r'data-group="never_problem">.*?<td class="num">4</td>\s*<td class="num">10.0', section)
    assert "Not enough cases to judge the recovery paradox" in section
    assert "Not enough cases to compare the justice dimensions: 1 answered follow-ups" in section
    assert "Complaint recovery: time to resolve" in html  # the methods appendix
    assert "投诉补救" in zh and "中位数 4.0（四分位距 3.5 至 4.5）" in zh


def test_the_case_page_offers_the_followup_and_resolving_sends_it(app, client, world):
    case_id = _open_case(app)
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/admin/login", data={"email": "owner@example.com", "password": PASSWORD}).status_code == 302
    page = client.get(f"/admin/surveys/alerts/cases/{case_id}?lang=en")
    assert 'id="followup-option" name="followup" value="1" checked' in page.text
    changed = client.post(f"/admin/surveys/alerts/cases/{case_id}/status",
                          data={"status": "resolved", "followup": "1"})
    assert changed.status_code == 302
    page = client.get(f"/admin/surveys/alerts/cases/{case_id}?lang=en")
    assert "The follow-up survey is on its way to customer" in page.text
    assert 'data-state="queued"' in page.text and "Follow-up survey sent" in page.text
    again = client.post(f"/admin/surveys/alerts/cases/{case_id}/followup")
    assert again.status_code == 302
    assert "sent about this case already" in client.get(again.headers["Location"]).text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Invitation.id)).filter_by(case_id=case_id)) == 1


def test_resolving_without_the_tick_sends_nothing_and_a_customer_without_address_gets_none(app, client, world):
    case_id = _open_case(app)
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/admin/login", data={"email": "owner@example.com", "password": PASSWORD})
    client.post(f"/admin/surveys/alerts/cases/{case_id}/status", data={"status": "resolved"})
    with app.app_context():
        assert db.session.scalar(sa.select(Invitation.id).filter_by(case_id=case_id)) is None
        case = db.session.get(AlertCase, case_id)
        source = db.session.get(Invitation, db.session.get(Response, case.response_id).invitation_id)
        source.email = None
        db.session.commit()
    page = client.get(f"/admin/surveys/alerts/cases/{case_id}?lang=en")
    assert "the customer left no email address" in page.text and 'id="send-followup"' not in page.text
    refused = client.post(f"/admin/surveys/alerts/cases/{case_id}/followup")
    assert "the customer left no email address" in client.get(refused.headers["Location"]).text


def test_never_on_an_anonymous_survey(app, make_survey):
    setup_world(app, make_survey, anonymous=True, slug="anon")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="anon"))
        with pytest.raises(ValueError, match="anonymous"):
            save_rule(survey, name="detractor", condition={"item": "NPS", "le": 6})
        db.session.rollback()
    response_id = add_response(app, "anon", COMPLAINT)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="anon"))
        assert evaluate_response(response_id, T0) == []  # no case at all
        with pytest.raises(ValueError, match="anonymous"):
            recovery.followup_survey(survey)
        assert recovery.recovery_result(survey) is None
