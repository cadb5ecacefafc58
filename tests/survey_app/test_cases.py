"""Cases: opened by an alert, assigned, noted, resolved, with an append-only history; overdue notices once; the
alert, assignment and overdue mails through a real SMTP server (aiosmtpd), queued so a failing server loses none."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AlertCase, CaseEvent, Survey, User
from survey_app.scheduler import run_due
from survey_app.services import cases
from survey_app.services.alerts import evaluate_response, save_rule
from tests.survey_app.alert_fixtures import HAPPY, PASSWORD, T0, add_response, setup_world
from tests.survey_app.test_mail import smtp_server  # noqa: F401  (the fixture)

NPS_LOW = {"item": "NPS", "le": 6}


@pytest.fixture
def world(app, make_survey, smtp_server):  # noqa: F811
    app.config["SMTP_URL"] = smtp_server.url
    setup_world(app, make_survey)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
        save_rule(survey, name="detractor", condition=NPS_LOW, priority="high", sla_hours=24)
        db.session.commit()
    return smtp_server


def _open(app, answers: dict, **options) -> int:
    response = add_response(app, "alerts", answers, **options)
    with app.app_context():
        [case] = evaluate_response(response, T0)
        db.session.commit()
        return case.id


def _user(email: str) -> User:
    return db.session.scalar(sa.select(User).filter_by(email=email))


def test_an_alert_opens_a_case_mails_the_owners_and_the_history_records_every_change(app, world):
    case_id = _open(app, {**HAPPY, "NPS": 3}, attributes={"tier": "Gold", "value": "1,200"})
    with app.app_context():
        case = db.session.get(AlertCase, case_id)
        # the north branch's owners; the first one with an account that may see the survey is the case's
        assert case.notified == ["north.lead@example.com", "deputy@example.com"]
        assert _user("north.lead@example.com").id == case.assignee_id
        assert (case.priority, case.tier, case.value, case.status) == ("high", "gold", 1200.0, "new")
        assert case.due_at.replace(tzinfo=None) == (T0 + timedelta(hours=24)).replace(tzinfo=None)
        summary = run_due(T0, "worker")
    assert len(summary.done) == 2 and not summary.retried  # one mail per owner
    received = {message["To"]: message for message in world.received}
    assert set(received) == {"north.lead@example.com", "deputy@example.com"}
    alert = received["deputy@example.com"]
    assert "detractor" in alert["Subject"]  # the survey's first language is Chinese
    assert alert["Subject"].startswith("预警")
    text = alert.get_body(("plain",)).get_content()
    html = alert.get_body(("html",)).get_content()
    link = f"/admin/surveys/alerts/cases/{case_id}"
    assert link in text and link in html and "北区" in text
    assert "NPS" not in text and "recommend" not in text  # the mail carries the link, never the answers
    with app.app_context():
        case = db.session.get(AlertCase, case_id)
        owner, lead = _user("owner@example.com"), _user("north.lead@example.com")
        cases.assign(case, owner, lead, T0 + timedelta(hours=1))
        cases.add_note(case, "Called the customer: 退款 promised", owner, T0 + timedelta(hours=2))
        cases.change_status(case, "in_progress", owner, T0 + timedelta(hours=2))
        cases.change_status(case, "resolved", owner, T0 + timedelta(hours=3))
        db.session.commit()
        entries = [(e.kind, e.old, e.new, e.user_id is not None) for e in cases.history(case)]
        assert entries == [("opened", None, "detractor", False),
                           ("assigned", "north.lead@example.com", "owner@example.com", True),
                           ("note", None, None, True), ("status", "new", "in_progress", True),
                           ("status", "in_progress", "resolved", True)]
        assert case.resolved_at is not None
        # append-only: no entry can be changed or deleted through the ORM
        entry = cases.history(case)[0]
        entry.note = "rewritten"
        with pytest.raises(ValueError, match="append-only"):
            db.session.flush()
        db.session.rollback()
        with pytest.raises(ValueError, match="append-only"):
            db.session.delete(cases.history(case)[0])
            db.session.flush()
        db.session.rollback()
        run_due(T0 + timedelta(hours=3), "worker")
        # resolved before it was due: no overdue notice, even long after
        run_due(T0 + timedelta(days=30), "worker")
        assert db.session.get(AlertCase, case_id).overdue_notified_at is None
    assigned = [m for m in world.received if m["To"] == "owner@example.com"]
    assert len(assigned) == 1 and assigned[0]["Subject"].startswith("指派给您的个案")


def test_overdue_notice_once_per_case_with_a_moved_clock(app, world):
    case_id = _open(app, {**HAPPY, "NPS": 0})
    with app.app_context():
        run_due(T0, "worker")
        world.received.clear()
        run_due(T0 + timedelta(hours=23), "worker")  # not due yet
        assert world.received == []
        run_due(T0 + timedelta(hours=25), "worker")
        run_due(T0 + timedelta(hours=50), "worker")
        case = db.session.get(AlertCase, case_id)
        assert case.overdue_notified_at is not None
        assert [e.kind for e in cases.history(case)].count("overdue") == 1
        listed = cases.list_cases(db.session.get(Survey, case.survey_id), cases.CaseFilter(overdue=True),
                                  T0 + timedelta(hours=25))
        assert [c.id for c in listed] == [case_id]
        assert cases.list_cases(db.session.get(Survey, case.survey_id), cases.CaseFilter(overdue=True),
                                T0 + timedelta(hours=1)) == []
    assert [(m["To"], m["Subject"][:3]) for m in world.received] == [("north.lead@example.com", "已逾期")]


def test_a_failing_mail_server_loses_no_alert(app, world):
    app.config["SMTP_URL"] = "smtp://127.0.0.1:9"  # nothing listens: connection refused, a temporary failure
    _open(app, {**HAPPY, "NPS": 1}, unit="south")  # south has no owners: its region's (boss@)
    with app.app_context():
        assert run_due(T0, "worker").retried
        app.config["SMTP_URL"] = world.url
        assert len(run_due(T0 + timedelta(minutes=2), "worker").done) == 1
    assert [m["To"] for m in world.received] == ["boss@example.com"]


def test_priority_sorts_by_rule_then_tier_then_value(app, world):
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
        save_rule(survey, name="urgent complaint", condition={"all": [{"item": "PROBLEM", "in": [1]},
                                                                      {"item": "RESOLVED", "in": [0]}]},
                  priority="urgent", sla_hours=4)
        db.session.commit()
    bronze = _open(app, {**HAPPY, "NPS": 5}, attributes={"tier": "bronze"})
    platinum = _open(app, {**HAPPY, "NPS": 5}, attributes={"tier": "platinum"})
    rich = _open(app, {**HAPPY, "NPS": 5}, attributes={"value": "90000"})
    poor = _open(app, {**HAPPY, "NPS": 5}, attributes={"value": "10"})
    response = add_response(app, "alerts", {**HAPPY, "PROBLEM": 1, "RESOLVED": 0})
    with app.app_context():
        [urgent] = evaluate_response(response, T0)
        db.session.commit()
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
        order = [c.id for c in cases.list_cases(survey, cases.CaseFilter(), T0)]
        assert order == [urgent.id, platinum, bronze, rich, poor]
        by_due = [c.id for c in cases.list_cases(survey, cases.CaseFilter(sort="due"), T0)]
        assert by_due[0] == urgent.id  # 4 hours beats 24


def test_assignment_only_to_accounts_that_may_see_the_survey(app, world):
    case_id = _open(app, {**HAPPY, "NPS": 2})
    with app.app_context():
        case = db.session.get(AlertCase, case_id)
        with pytest.raises(ValueError):
            cases.assign(case, _user("stranger@example.com"), _user("owner@example.com"), T0)
        db.session.rollback()
        with pytest.raises(ValueError):
            cases.add_note(case, "   ", _user("owner@example.com"), T0)


def test_the_console_pages_of_a_case(app, client, world):
    case_id = _open(app, {**HAPPY, "NPS": 3, "COMMENT": "<script>alert(1)</script> 太慢了"},
                    attributes={"tier": "gold"})
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/admin/login", data={"email": "north.lead@example.com",
                                             "password": PASSWORD}).status_code == 302
    listing = client.get("/admin/surveys/alerts/cases?status=new&sort=due&overdue=0&unit=north")
    assert listing.status_code == 200 and f'data-case="{case_id}"' in listing.text
    assert f'data-case="{case_id}"' not in client.get("/admin/surveys/alerts/cases?status=resolved").text
    page = client.get(f"/admin/surveys/alerts/cases/{case_id}?lang=en")
    assert page.status_code == 200
    assert "How likely are you to recommend us?" in page.text and "North" in page.text
    assert "<script>alert(1)</script>" not in page.text and "太慢了" in page.text
    with app.app_context():
        owner_id = _user("owner@example.com").id
        user_id = _user("stranger@example.com").id
    assert client.post(f"/admin/surveys/alerts/cases/{case_id}/assign", data={"assignee": str(user_id)}).status_code \
        == 302
    assert client.post(f"/admin/surveys/alerts/cases/{case_id}/assign", data={"assignee": "99999999999"}).status_code \
        == 302
    client.post(f"/admin/surveys/alerts/cases/{case_id}/assign", data={"assignee": str(owner_id)})
    client.post(f"/admin/surveys/alerts/cases/{case_id}/note", data={"note": "rang back"})
    client.post(f"/admin/surveys/alerts/cases/{case_id}/status", data={"status": "bogus"})
    client.post(f"/admin/surveys/alerts/cases/{case_id}/status", data={"status": "resolved"})
    with app.app_context():
        case = db.session.get(AlertCase, case_id)
        assert (case.status, case.assignee_id) == ("resolved", owner_id)
        kinds = db.session.scalars(sa.select(CaseEvent.kind).filter_by(case_id=case_id).order_by(CaseEvent.id)).all()
        assert kinds == ["opened", "assigned", "note", "status"]
    # rules page: a rule from the builder; an anonymous survey says why it has none
    reply = client.post("/admin/surveys/alerts/alerts", data={
        "action": "save", "name": "low rating", "a_rows": "1", "a_0_item": "SAT", "a_0_op": "le", "a_0_number": "2",
        "keywords": "refund, 退款", "priority": "normal", "sla_hours": "12"})
    assert reply.status_code == 302
    rules = client.get("/admin/surveys/alerts/alerts?lang=en").text
    assert "SAT is at most 2" in rules and "refund, 退款" in rules
    bad = client.post("/admin/surveys/alerts/alerts", data={"action": "save", "name": "x", "a_rows": "1",
                                                            "sla_hours": "abc"})
    assert bad.status_code == 422
    # unit owners on the console
    assert client.post("/admin/surveys/alerts/units/owners", data={"owners-south": "not an address"}).status_code \
        == 422
    assert client.post("/admin/surveys/alerts/units/owners",
                       data={"owners-south": "South.Lead@example.com; x@example.com"}).status_code == 302
    assert "south.lead@example.com; x@example.com" in client.get("/admin/surveys/alerts").text


def test_the_console_says_why_an_anonymous_survey_has_no_rules(app, client, make_survey):
    setup_world(app, make_survey, anonymous=True, slug="anon")
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/admin/login", data={"email": "owner@example.com", "password": PASSWORD})
    page = client.get("/admin/surveys/anon/alerts?lang=en")
    assert 'id="anonymous-no-alerts"' in page.text and 'id="save-rule"' not in page.text
    client.post("/admin/surveys/anon/alerts", data={"action": "save", "name": "x", "a_rows": "1", "a_0_item": "NPS",
                                                    "a_0_op": "le", "a_0_number": "6", "sla_hours": "4"})
    with app.app_context():
        from survey_app.models import AlertRule

        assert db.session.scalar(sa.select(sa.func.count(AlertRule.id))) == 0
    assert 'id="anonymous-no-alerts"' in client.get("/admin/surveys/anon/cases").text
