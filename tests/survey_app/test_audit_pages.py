"""The audit log's page and downloads (admins only: tests/survey_app/test_access_routes.py), the person-request
page in Chinese, and an anonymous survey: nothing about its respondents in the audit log or the application's logs."""

from __future__ import annotations

import csv
import io
import json
import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AuditEntry, Response, Survey, User
from survey_app.services import audit
from tests.conftest import sign_in
from tests.survey_app.test_anonymity_attacks import ANSWERS, add_answers, answer_on_the_web, new_survey
from tests.survey_app.test_console_zh import check

PASSWORD = "correct horse battery"
T0 = datetime(2026, 12, 1, 8, 0, tzinfo=UTC)
MARK = "RESPONDENTMARK"


def test_the_audit_page_filters_pages_and_downloads(app, client, make_survey, monkeypatch):
    make_survey("flow")
    sign_in(app, client, "admin@example.com", PASSWORD, token_name="t")
    with app.app_context():
        admin = db.session.scalar(sa.select(User))
        survey = db.session.scalar(sa.select(Survey))
        for day in range(5):
            monkeypatch.setattr(audit, "clock", lambda day=day: T0 + timedelta(days=day))
            audit.record("export.downloaded", account=admin, survey=survey, target="=HYPERLINK(\"x\")")
        audit.record("data.deleted", account=None, survey=survey, target="responses:test", detail={"count": 2})
        db.session.commit()
        admin_id = admin.id
    page = client.get("/admin/audit?action=export.downloaded&from=2026-12-02&to=2026-12-03&lang=en")
    assert page.text.count('data-action="export.downloaded"') == 2 and "2 entries." in page.text
    monkeypatch.setattr(audit, "PAGE_SIZE", 2)
    first = client.get(f"/admin/audit?survey=flow&account={admin_id}")
    assert "Page 1 of 3" in first.text and 'rel="next"' in first.text and 'rel="prev"' not in first.text
    assert "2026-12-05 08:00" in first.text and "2026-12-01 08:00" not in first.text
    assert "2026-12-01 08:00" in client.get(f"/admin/audit?survey=flow&account={admin_id}&page=3").text
    assert "command line" in client.get("/admin/audit?action=data.deleted").text
    assert client.get("/admin/audit?action=peeked").status_code == 400
    assert client.get("/admin/audit?from=yesterday").status_code == 400
    rows = list(csv.DictReader(io.StringIO(client.get("/admin/audit.csv?survey=flow").data.decode("utf-8-sig"))))
    assert len(rows) == 6 and rows[1]["target"] == "'=HYPERLINK(\"x\")" and rows[0]["account"] == "command line"
    entries = json.loads(client.get("/admin/audit.json?action=data.deleted").data)["entries"]
    assert entries == [{"at": "2026-12-05 08:00", "account_id": None, "account": "command line",
                        "action": "data.deleted", "survey": "flow", "target": "responses:test",
                        "detail": {"count": 2}}]
    with app.app_context():  # each download is itself an entry
        assert db.session.scalars(sa.select(AuditEntry.target).where(AuditEntry.target.like("audit.%"))).all() == [
            "audit.csv", "audit.json"]


def test_the_audit_and_request_pages_speak_chinese(app, client, make_survey):
    make_survey("flow")
    sign_in(app, client, "admin@example.com", PASSWORD, token_name="t")
    client.get("/admin/surveys/flow")
    pages = [("audit", client.get("/admin/audit?lang=zh").text),
             ("request", client.get("/admin/requests").text),
             ("found nothing", client.post("/admin/requests", data={"identifier": "nobody@example.com"}).text),
             ("refused", client.post("/admin/requests", data={"identifier": "x"}).text)]
    with app.app_context():
        admin = db.session.scalar(sa.select(User))
        db.session.add(User(email="gone@example.com", password_hash="x"))
        audit.record("survey.shared", account=admin, target="account:99")
        db.session.commit()
    pages.append(("found", client.post("/admin/requests", data={"identifier": "admin@example.com"}).text))
    check(pages, "zh", data=["admin@example.com", "nobody@example.com", "flow"])
    assert "账号" in pages[0][1] and "匿名调查的回答无法查找" in pages[1][1]


def test_an_anonymous_surveys_audit_entries_and_logs_hold_nothing_about_respondents(app, client, make_survey, caplog):
    caplog.set_level(logging.DEBUG)
    token = sign_in(app, client, "hr@example.com", PASSWORD, token_name="hr analytics")
    new_survey(app, make_survey, "staff")
    add_answers(app, "staff", ANSWERS)
    with app.app_context():
        from survey_app.services.invitations import create_invitations

        survey = db.session.scalar(sa.select(Survey).filter_by(slug="staff"))
        [(_, link)] = create_invitations(survey, [None], unit_code="east")
        db.session.commit()
    answer_on_the_web(app, f"/s/staff/{link}", sat=3, comment=f"{MARK} my manager shouts", unit="east")
    client.get("/admin/surveys/staff")
    client.get("/admin/surveys/staff/export.csv")
    client.get("/admin/surveys/staff/report.html?lang=en&unit=east")
    client.get("/api/v1/surveys/staff/results", headers={"Authorization": f"Bearer {token}"})
    client.post("/admin/surveys/staff/responses/delete/test", data={"confirm": "yes"})
    client.post("/admin/surveys/staff/status/close")
    with app.app_context():
        ids = {str(i) for i in db.session.scalars(sa.select(Response.id))}
        written = db.session.execute(sa.select(AuditEntry.action, AuditEntry.target, AuditEntry.detail)
                                     .where(AuditEntry.survey_slug == "staff")).all()
    assert {action for action, _, _ in written} >= {"dashboard.viewed", "export.downloaded", "data.deleted",
                                                    "survey.changed"}
    for _, target, detail in written:
        assert not (set(detail) & audit.RESPONDENT_KEYS) and (target or "").partition(":")[0] not in (
            audit.RESPONDENT_KEYS)

        assert all(isinstance(v, int | float | bool) or audit.CODE.fullmatch(v) for v in detail.values())
        assert (target or "").partition(":")[2] not in ids  # no response id as the target of an entry
    logged = caplog.text + "\n".join(str(r.args) for r in caplog.records)
    assert MARK not in logged and link not in logged
    assert MARK not in str(written) and link not in str(written)
