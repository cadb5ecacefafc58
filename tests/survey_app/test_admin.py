"""The console through the test client: sign-in and lock-out, access rules, uploads, dashboard, exports."""

from __future__ import annotations

import csv
import io
import re

import openpyxl
import pyreadstat
import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Survey, Unit, User
from survey_app.services.accounts import share_survey
from survey_app.services.responses import save_page, start_response, submit, write_response
from survey_app.services.surveys import instrument_of
from survey_app.services.users import create_user
from tests.conftest import csrf_token

PASSWORD = "correct horse battery"


@pytest.fixture
def accounts(app):
    with app.app_context():
        create_user("admin@example.com", PASSWORD, role="admin")
        create_user("manager@example.com", PASSWORD, role="manager")
        create_user("other@example.com", PASSWORD, role="manager")
        db.session.commit()


def sign_in(client, email, password=PASSWORD):
    page = client.get("/admin/login?lang=en")
    return client.post("/admin/login", data={"csrf_token": csrf_token(page.text), "email": email,
                                             "password": password})


def add_responses(app, slug, answers_by_unit):
    """Store complete responses directly: {unit code: number of responses}."""
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        instrument = instrument_of(survey)
        for unit, count in answers_by_unit.items():
            for i in range(count):
                connection = db.session.connection()
                response, _ = start_response(survey, submission_key=f"{unit}-{i}", language="zh")
                values = {"SAT": 8, "PROBLEM": 0}
                save_page(connection, response, survey, instrument, 0, values, language="zh")
                save_page(connection, response, survey, instrument, 1, {"BRANCH": unit}, language="zh")
                save_page(connection, response, survey, instrument, 2,
                          {"NPS": 9 + i % 2, "COMMENT": "=HYPERLINK(\"x\")"}, language="zh")
                submit(connection, response, survey)
                write_response(connection, response)
        db.session.commit()


def test_sign_in_and_out(client, accounts):
    assert client.get("/admin/").status_code == 302
    signed = sign_in(client, "admin@example.com")
    assert signed.status_code == 302 and signed.headers["Location"].endswith("/admin/")
    assert "Surveys" in client.get("/admin/?lang=en").text
    page = client.get("/admin/?lang=en")
    client.post("/admin/logout", data={"csrf_token": csrf_token(page.text)})
    assert client.get("/admin/").status_code == 302


def test_wrong_password_then_lock_out_after_five_failures(client, accounts):
    for _ in range(5):
        failed = sign_in(client, "manager@example.com", "wrong password!")
        assert failed.status_code == 200 and "Wrong email or password" in failed.text
    locked = sign_in(client, "manager@example.com")
    assert locked.status_code == 200 and "locked" in locked.text
    assert client.get("/admin/").status_code == 302
    assert sign_in(client, "nobody@example.com").status_code == 200


def test_manager_sees_only_shared_surveys(app, client, accounts, make_survey):
    make_survey(slug="shared")
    make_survey(slug="secret")
    with app.app_context():
        manager = db.session.scalar(sa.select(sa.text("id FROM user_account WHERE email='manager@example.com'")))
        from survey_app.models import User

        share_survey(db.session.scalar(sa.select(Survey).filter_by(slug="shared")), db.session.get(User, manager))
        db.session.commit()
    sign_in(client, "manager@example.com")
    listing = client.get("/admin/?lang=en").text
    assert "shared" in listing and "secret" not in listing
    assert client.get("/admin/surveys/shared").status_code == 200
    for url in ("/admin/surveys/secret", "/admin/surveys/secret/dashboard.json", "/admin/surveys/secret/export.csv",
                "/admin/surveys/no-such"):
        assert client.get(url).status_code == 404, url
    page = client.get("/admin/surveys/shared")
    assert client.post("/admin/surveys/secret/status/close",
                       data={"csrf_token": csrf_token(page.text)}).status_code == 404


def test_create_survey_from_the_form(app, client, accounts, runner):
    runner.invoke(args=["instruments", "load"])
    sign_in(client, "manager@example.com")
    form = client.get("/admin/surveys/new?lang=en")
    assert "customer_satisfaction" in form.text
    bad = client.post("/admin/surveys/new", data={"csrf_token": csrf_token(form.text), "slug": "Bad Slug!",
                                                  "instruments": ["customer_satisfaction"], "languages": ["zh"]})
    assert "lower-case letters" in bad.text
    made = client.post("/admin/surveys/new", data={
        "csrf_token": csrf_token(form.text), "slug": "q4-customers", "instruments": ["customer_satisfaction", "kano"],
        "languages": ["zh", "en"], "title_zh": "第四季度客户调查", "title_en": "Q4 customers"})
    # a new survey is a draft and opens in the questionnaire editor
    assert made.status_code == 302 and made.headers["Location"].endswith("/admin/surveys/q4-customers/questionnaire")
    detail = client.get("/admin/surveys/q4-customers?lang=en")
    assert "Q4 customers" in detail.text and "/s/q4-customers" in detail.text
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="q4-customers"))
        assert survey.instrument_key == "customer_satisfaction+kano"


def test_units_upload_builds_the_hierarchy_and_refuses_bad_files(app, client, accounts, make_survey):
    make_survey(slug="org")
    sign_in(client, "admin@example.com")
    page = client.get("/admin/surveys/org?lang=en")
    token = csrf_token(page.text)

    def upload(text, encoding="utf-8"):
        return client.post("/admin/surveys/org/units?lang=en", data={
            "csrf_token": token, "file": (io.BytesIO(text.encode(encoding)), "units.csv")},
            content_type="multipart/form-data", follow_redirects=True)

    ok = upload("unit,parent,kind,name\nchina,,region,中国区\nnorth,china,branch,北区门店\nsouth,china,branch,南区\n",
                "gbk")
    assert "3 units imported." in ok.text
    with app.app_context():
        units = {u.code: u for u in db.session.scalars(sa.select(Unit))}
        assert units["north"].parent_id == units["china"].id and units["north"].name == "北区门店"
    assert "neither in the file" in upload("unit,parent\nwest,atlantis\n").text
    assert "cycle" in upload("unit,parent\na,b\nb,a\n").text
    assert "missing column" in upload("department\nx\n").text


def test_invitations_upload_returns_links_and_anonymous_surveys_keep_no_refs(app, client, accounts, make_survey):
    make_survey(slug="anon-poll", anonymous=True)
    sign_in(client, "admin@example.com")
    page = client.get("/admin/surveys/anon-poll")
    reply = client.post("/admin/surveys/anon-poll/invitations", data={
        "csrf_token": csrf_token(page.text),
        "file": (io.BytesIO(b"ref,unit\nali@example.com,north\n=cmd|calc,south\n"), "people.csv")},
        content_type="multipart/form-data")
    assert reply.status_code == 200 and reply.mimetype == "text/csv"
    rows = list(csv.DictReader(io.StringIO(reply.data.decode("utf-8-sig"))))
    assert [r["ref"] for r in rows] == ["ali@example.com", "'=cmd|calc"]
    assert all(re.fullmatch(r"http://\S+/s/anon-poll/[\w-]{32}", r["link"]) for r in rows)
    with app.app_context():
        invitations = db.session.scalars(sa.select(Invitation)).all()
        assert len(invitations) == 2 and all(i.external_ref is None for i in invitations)


def test_dashboard_hides_small_units_and_the_unit_that_would_reveal_them(app, client, accounts, make_survey):
    make_survey(slug="dash")
    add_responses(app, "dash", {"north": 3, "south": 6})
    sign_in(client, "admin@example.com")
    data = client.get("/admin/surveys/dash/dashboard.json").get_json()
    by_unit = {u["unit"]: u for u in data["units"]}
    assert by_unit["north"]["suppressed"] and by_unit["north"]["responses"] is None
    # south alone would reveal north as total - south, so it is hidden too
    assert by_unit["south"]["suppressed"]
    assert data["responses"] == 9 and data["nps"]["n"] == 9
    page = client.get("/admin/surveys/dash?lang=en")
    assert "hidden: fewer than 5 responses" in page.text
    assert "hidden: it would let a smaller group be worked out by subtraction" in page.text
    assert "隐藏" not in page.text and "已隐藏：作答少于 5 份" in client.get("/admin/surveys/dash?lang=zh").text


def test_exports_neutralise_formulas_and_carry_labels(app, client, accounts, make_survey):
    make_survey(slug="exp")
    add_responses(app, "exp", {"north": 2})
    sign_in(client, "admin@example.com")
    csv_reply = client.get("/admin/surveys/exp/export.csv")
    rows = list(csv.DictReader(io.StringIO(csv_reply.data.decode("utf-8-sig"))))
    assert len(rows) == 2 and rows[0]["COMMENT"] == "'=HYPERLINK(\"x\")" and rows[0]["SAT"] == "8"
    assert "response_id" in rows[0]
    xlsx = openpyxl.load_workbook(io.BytesIO(client.get("/admin/surveys/exp/export.xlsx").data))
    sheet = xlsx.active
    header = [c.value for c in sheet[1]]
    comment = sheet.cell(row=2, column=header.index("COMMENT") + 1)
    assert comment.data_type == "s" and comment.value.startswith("'=")
    sav = client.get("/admin/surveys/exp/export.sav?lang=en").data
    path = app.instance_path + "/test-export.sav"
    with open(path, "wb") as handle:
        handle.write(sav)
    frame, meta = pyreadstat.read_sav(path)
    assert list(frame["SAT"]) == [8.0, 8.0]
    assert meta.column_names_to_labels["SAT"] == "Overall, how satisfied are you?"
    assert meta.variable_value_labels["PROBLEM"] == {1.0: "Yes", 0.0: "No"}


def test_anonymous_export_has_no_identifiers_and_no_times(app, client, accounts, make_survey):
    make_survey(slug="anon-exp", anonymous=True)
    add_responses(app, "anon-exp", {"north": 6})
    sign_in(client, "admin@example.com")
    rows = list(csv.DictReader(io.StringIO(client.get("/admin/surveys/anon-exp/export.csv").data.decode("utf-8-sig"))))
    assert len(rows) == 6
    # not even the day: it would tell the order in which people answered
    assert not {"response_id", "invitation_ref", "submitted_at", "submitted_on"} & set(rows[0])
    assert not any(re.search(r"\d{4}-\d{2}-\d{2}", value) for row in rows for value in row.values())


# the PDF does not depend on the database; reports read from PostgreSQL are tested with report jobs (test_report_jobs)
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_report_download_in_both_languages_and_refused_for_a_small_unit(app, client, accounts, runner):
    from pypdf import PdfReader

    runner.invoke(args=["demo", "--responses", "120"])
    sign_in(client, "admin@example.com")
    for lang, title in (("zh", "客户满意度调查"), ("en", "Customer satisfaction survey")):
        reply = client.get(f"/admin/surveys/demo-customer/report.pdf?lang={lang}")
        assert reply.status_code == 200 and reply.mimetype == "application/pdf"
        assert reply.data.startswith(b"%PDF")
        text = "".join(page.extract_text() for page in PdfReader(io.BytesIO(reply.data)).pages)
        assert title in text
    html = client.get("/admin/surveys/demo-customer/report.html?lang=en")
    assert html.status_code == 200 and "<html" in html.text
    # the self-contained HTML report keeps its inline styles; no inline scripts anywhere
    assert "style-src 'self' 'unsafe-inline'" in html.headers["Content-Security-Policy"]
    assert "script-src 'self';" in html.headers["Content-Security-Policy"]
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="demo-customer"))
        db.session.add(Unit(survey_id=survey.id, code="tiny", name="Tiny", kind="store"))
        db.session.commit()
    refused = client.get("/admin/surveys/demo-customer/report.pdf?unit=tiny&lang=en", follow_redirects=True)
    assert "fewer than 5 responses" in refused.text


def test_next_wave_repeats_the_survey_with_its_units(app, client, accounts, make_survey):
    make_survey(slug="pulse-1")
    sign_in(client, "admin@example.com")
    page = client.get("/admin/surveys/pulse-1")
    client.post("/admin/surveys/pulse-1/units", data={"csrf_token": csrf_token(page.text), "file": (
        io.BytesIO(b"unit,parent,kind\nregion,,region\nnorth,region,branch\n"), "u.csv")},
        content_type="multipart/form-data")
    made = client.post("/admin/surveys/pulse-1/next-wave", data={"csrf_token": csrf_token(page.text),
                                                                 "slug": "pulse-2"})
    assert made.status_code == 302 and made.headers["Location"].endswith("/admin/surveys/pulse-2")
    with app.app_context():
        first = db.session.scalar(sa.select(Survey).filter_by(slug="pulse-1"))
        second = db.session.scalar(sa.select(Survey).filter_by(slug="pulse-2"))
        assert (first.series, first.wave) == ("pulse-1", 1) and (second.series, second.wave) == ("pulse-1", 2)
        units = {u.code: u for u in second.units}
        assert units["north"].parent_id == units["region"].id
        assert second.instrument_key == first.instrument_key
    again = client.post("/admin/surveys/pulse-2/next-wave", data={"csrf_token": csrf_token(page.text),
                                                                  "slug": "pulse-2"}, follow_redirects=True)
    assert "already exists" in again.text


def test_reminder_list_for_identified_surveys_only(app, client, accounts, make_survey):
    make_survey(slug="ident")
    make_survey(slug="anon-rem", anonymous=True)
    with app.app_context():
        from survey_app.services.invitations import create_invitations

        survey = db.session.scalar(sa.select(Survey).filter_by(slug="ident"))
        [(answered, _), (waiting, _)] = create_invitations(survey, ["ann@example.com", "bob@example.com"])
        from datetime import UTC, datetime

        answered.used_at = datetime.now(UTC)
        db.session.commit()
    sign_in(client, "admin@example.com")
    reply = client.get("/admin/surveys/ident/reminders.csv")
    rows = list(csv.DictReader(io.StringIO(reply.data.decode("utf-8-sig"))))
    assert [r["ref"] for r in rows] == ["bob@example.com"]
    refused = client.get("/admin/surveys/anon-rem/reminders.csv?lang=en", follow_redirects=True)
    assert "no reminder list" in refused.text


def test_survey_can_leave_out_items(app, client, accounts, make_survey):
    make_survey(slug="short", leave_out=["VISITS", "CHANNELS", "COMMENT"])
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="short"))
        codes = [i["code"] for p in survey.instrument_snapshot["pages"] for i in p["items"]]
    assert codes == ["SAT", "PROBLEM", "PROBLEM_TEXT", "BRANCH", "NPS"]
    import pytest as _pytest

    with _pytest.raises(ValueError, match="PROBLEM_TEXT is shown depending on PROBLEM"):
        make_survey(slug="broken", leave_out=["PROBLEM"])
    with _pytest.raises(ValueError, match="no item"):
        make_survey(slug="broken2", leave_out=["NOPE"])


def test_creator_shares_a_survey_and_others_cannot(app, client, accounts, make_survey):
    make_survey(slug="to-share")
    with app.app_context():
        from survey_app.models import User

        survey = db.session.scalar(sa.select(Survey).filter_by(slug="to-share"))
        survey.created_by_id = db.session.scalar(sa.select(User.id).filter_by(email="manager@example.com"))
        db.session.commit()
    sign_in(client, "manager@example.com")
    page = client.get("/admin/surveys/to-share?lang=en")
    shared = client.post("/admin/surveys/to-share/share?lang=en", data={"csrf_token": csrf_token(page.text),
                                                                        "email": "other@example.com"},
                         follow_redirects=True)
    assert "Shared with other@example.com." in shared.text
    unknown = client.post("/admin/surveys/to-share/share?lang=en", data={"csrf_token": csrf_token(page.text),
                                                                         "email": "ghost@example.com"},
                          follow_redirects=True)
    assert "No active account" in unknown.text
    other = app.test_client()
    sign_in(other, "other@example.com")
    seen = other.get("/admin/surveys/to-share?lang=en")
    assert seen.status_code == 200 and "Share with" not in seen.text
    page = other.get("/admin/surveys/to-share")
    assert other.post("/admin/surveys/to-share/share", data={"csrf_token": csrf_token(page.text),
                                                             "email": "admin@example.com"}).status_code == 403


def test_console_speaks_chinese(client, accounts, make_survey):
    make_survey(slug="zh-console")
    assert "请先登录" in client.get("/admin/surveys/zh-console?lang=zh", follow_redirects=True).text
    sign_in(client, "admin@example.com")
    page = client.get("/admin/surveys/zh-console?lang=zh").text
    for text in ("管理后台", "实时结果", "导入组织单元", "生成专属链接", "尚未回答的名单"):
        assert text in page


def test_admin_creates_and_deactivates_accounts_and_others_may_not(app, client, accounts):
    sign_in(client, "admin@example.com")
    page = client.get("/admin/accounts?lang=en")
    made = client.post("/admin/accounts?lang=en", data={"csrf_token": csrf_token(page.text),
                                                         "email": "hr.lead@example.com", "role": "hr"})
    password = re.search(r"password (\S+)\. Hand", made.text).group(1)
    newcomer = app.test_client()
    assert sign_in(newcomer, "hr.lead@example.com", password).status_code == 302
    duplicate = client.post("/admin/accounts?lang=en", data={"csrf_token": csrf_token(page.text),
                                                              "email": "hr.lead@example.com", "role": "hr"})
    assert "already exists" in duplicate.text
    with app.app_context():
        from survey_app.models import User

        user_id = db.session.scalar(sa.select(User.id).filter_by(email="hr.lead@example.com"))
    client.post(f"/admin/accounts/{user_id}/active", data={"csrf_token": csrf_token(page.text)})
    assert newcomer.get("/admin/").status_code == 302  # a deactivated account's session no longer works
    assert sign_in(app.test_client(), "hr.lead@example.com", password).status_code == 200
    manager = app.test_client()
    sign_in(manager, "manager@example.com")
    assert manager.get("/admin/accounts").status_code == 403


def test_concurrent_wrong_passwords_are_each_counted_and_lock_the_account(app, accounts, monkeypatch):
    """Eight wrong passwords at the same moment (several workers): each counts, in one statement, so the account
    locks at the fifth and the right password is refused afterwards."""
    import threading

    app.config["WTF_CSRF_ENABLED"] = False
    start = threading.Barrier(8)
    # all eight have found the account unlocked before any counts (an attempt on a locked account is refused uncounted;
    # with the tests' cheap password hash a late thread could otherwise arrive after the lock)
    checked = threading.Barrier(8, timeout=30)
    check_password = User.check_password
    monkeypatch.setattr(User, "check_password", lambda user, password: checked.wait() >= 0 and check_password(
        user, password))
    replies: list[int] = []

    def attempt() -> None:
        client = app.test_client()
        start.wait()
        replies.append(client.post("/admin/login", data={"email": "manager@example.com",
                                                         "password": "wrong password!"}).status_code)

    threads = [threading.Thread(target=attempt) for _ in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert replies == [200] * 8
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email="manager@example.com"))
        # the fifth locked the account and started the count again; the three after it counted on
        assert user.locked_until is not None and user.failed_logins == 3
    right = app.test_client().post("/admin/login?lang=en", data={"email": "manager@example.com", "password": PASSWORD})
    assert right.status_code == 200 and "locked" in right.text
