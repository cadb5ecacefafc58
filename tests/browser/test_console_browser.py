"""Managers and HR in a real browser: the manager path from sign-in to PDF, and the HR confidentiality view."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Survey
from survey_app.services.instruments import sync_instruments
from survey_app.services.surveys import create_survey
from survey_app.services.synthetic import add_synthetic_responses
from survey_app.services.users import create_user

PASSWORD = "manager password 1"
DESKTOP = {"width": 1280, "height": 900}


def _sign_in(page, base, email):
    page.goto(f"{base}/admin/login?lang=en")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{base}/admin/")


def _answer_survey(page, instrument_pages):
    """Answer every visible question with the second-to-last option, page by page, until the thank-you page."""
    for _ in range(instrument_pages + 1):
        if "thanks" in page.url:
            return
        for _pass in range(3):  # answers can reveal follow-up questions on the same page
            for question in page.locator("fieldset.question:visible").all():
                if question.locator("input:checked").count() == 0:
                    options = question.locator("label.option")
                    options.nth(max(options.count() - 2, 0)).click()
        for area in page.locator("div.question:visible textarea").all():
            area.fill("fine")
        page.locator("button[name=nav][value=next]").click()
        page.wait_for_load_state()
    raise AssertionError("the survey did not finish")


@pytest.mark.parametrize("database_url", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)],
                         indirect=True)
def test_manager_path(app, live_server, browser, tmp_path):
    with app.app_context():
        sync_instruments()
        create_user("manager@example.com", PASSWORD, role="manager")
        db.session.commit()
    page = browser.new_context(viewport=DESKTOP, accept_downloads=True).new_page()
    _sign_in(page, live_server, "manager@example.com")

    page.get_by_role("link", name="New survey").click()
    page.get_by_label("Link name").fill("branch-survey")
    page.get_by_label("Title (Chinese)").fill("网点客户调查")
    page.get_by_label("Title (English)").fill("Branch customer survey")
    page.get_by_label("Customer satisfaction survey").check()
    page.get_by_role("button", name="Create survey").click()
    page.wait_for_url(f"{live_server}/admin/surveys/branch-survey/questionnaire")
    page.get_by_role("link", name="Back to the survey").click()
    page.wait_for_url(f"{live_server}/admin/surveys/branch-survey")
    assert page.locator("h1").inner_text() == "Branch customer survey"
    assert page.locator("#status").inner_text() == "draft"
    # the owner answers the draft as a respondent would, under a test banner, then launches it
    page.get_by_role("link", name="Preview in English").click()
    assert "Test / preview" in page.locator("#preview-banner").inner_text()
    page.get_by_role("link", name="Back to the console").click()
    page.get_by_role("button", name="Launch").click()
    assert page.locator("#status").inner_text() == "open"

    units = tmp_path / "units.csv"
    units.write_text("unit,parent,kind,name\nnorth,,branch,North\nsouth,,branch,South\n", encoding="utf-8")
    page.set_input_files("#units-file", str(units))
    page.get_by_role("button", name="Import units").click()
    assert "units imported" in page.locator(".flash").inner_text()

    people = tmp_path / "people.csv"
    people.write_text("ref,unit\ncustomer-1,north\ncustomer-2,south\n", encoding="utf-8")
    page.set_input_files("#invitations-file", str(people))
    with page.expect_download() as download_info:
        page.get_by_role("button", name="Create personal links").click()
    links = list(csv.DictReader(io.StringIO(download_info.value.path().read_text(encoding="utf-8-sig"))))
    assert [row["ref"] for row in links] == ["customer-1", "customer-2"]

    customer = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    link = links[0]["link"].replace("http://127.0.0.1:5000", live_server)
    customer.goto(link + "?lang=zh")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="branch-survey"))
        pages = len(survey.instrument_snapshot["pages"])
    _answer_survey(customer, pages)
    assert "感谢" in customer.content()
    with app.app_context():
        [response] = db.session.scalars(sa.select(Response)).all()
        assert response.status == "complete" and response.invitation_id is not None

    page.reload()
    # one response: the figure is below the minimum group size, so it is hidden, not shown
    assert page.locator("#kpi-responses").inner_text() == "hidden"
    with app.app_context():
        add_synthetic_responses(db.session.scalar(sa.select(Survey).filter_by(slug="branch-survey")), 30, seed=2)
        db.session.commit()
    page.reload()
    assert page.locator("#kpi-responses").inner_text() == "31"
    with page.expect_download() as pdf_info:
        page.get_by_role("link", name="Report PDF (English)").click()
    assert pdf_info.value.path().read_bytes().startswith(b"%PDF")


def test_hr_sees_a_small_department_as_suppressed(app, live_server, browser):
    with app.app_context():
        sync_instruments()
        hr, _ = create_user("hr@example.com", PASSWORD, role="hr")
        survey = create_survey(slug="staff-poll", instrument_keys=["employee_satisfaction"], anonymous=True)
        survey.created_by_id = hr.id
        add_synthetic_responses(survey, 80, seed=5)
        db.session.commit()
        counts = dict(db.session.execute(
            sa.text("SELECT unit.code, count(*) FROM response JOIN unit ON unit.id = response.unit_id "
                    "WHERE response.survey_id = :s GROUP BY unit.code"), {"s": survey.id}).all())
        # make one department small: keep only 2 of its responses
        small = min(counts, key=counts.get)
        ids = db.session.scalars(sa.text(
            "SELECT response.id FROM response JOIN unit ON unit.id = response.unit_id WHERE unit.code = :c "
            "ORDER BY response.id"), {"c": small}).all()
        for response_id in ids[2:]:
            db.session.delete(db.session.get(Response, response_id))
        db.session.commit()
    page = browser.new_context(viewport=DESKTOP).new_page()
    _sign_in(page, live_server, "hr@example.com")
    page.goto(f"{live_server}/admin/surveys/staff-poll?lang=en")
    row = page.locator(f'#units-table tr[data-unit="{small}"]')
    assert "hidden: fewer than 5 of its answers have been released so far" in row.inner_text()
    shown = page.locator("#units-table tr[data-unit] td:nth-child(2)").all_inner_texts()
    assert all(text.isdigit() and int(text) >= 5 or text.startswith("hidden") for text in shown)
