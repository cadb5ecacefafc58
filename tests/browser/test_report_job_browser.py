"""A large survey's report in a real browser: the download starts a job, the page follows it, the PDF arrives."""

from __future__ import annotations

import time

from survey_app.extensions import db
from survey_app.services.instruments import sync_instruments
from survey_app.services.surveys import create_survey
from survey_app.services.synthetic import add_synthetic_responses
from survey_app.services.users import create_user

PASSWORD = "admin password 1"
SLOW_PDF = b"%PDF-1.7 rendered in the background"


def test_report_download_follows_a_background_job(app, live_server, browser, monkeypatch):
    def slow_report(survey, *, lang, unit=None, by=None, fmt="pdf", progress=None):
        for step in ("Reliability", "Key drivers", "Rendering the report"):
            if progress is not None:
                progress(step)
            time.sleep(0.5)  # long enough for the page to show the job at work
        return SLOW_PDF

    monkeypatch.setattr("survey_app.services.analysis.survey_report", slow_report)
    app.config["REPORT_INLINE_MAX_RESPONSES"] = 10
    with app.app_context():
        sync_instruments()
        create_user("admin@example.com", PASSWORD, role="admin")
        survey = create_survey(slug="big-survey", instrument_keys=["customer_satisfaction"], anonymous=True)
        add_synthetic_responses(survey, 30, seed=3)
        db.session.commit()

    context = browser.new_context(accept_downloads=True)
    page = context.new_page()
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.goto(f"{live_server}/admin/login?lang=en")
    page.get_by_label("Email").fill("admin@example.com")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server}/admin/")
    page.goto(f"{live_server}/admin/surveys/big-survey?lang=en")

    page.get_by_role("link", name="Report PDF (English)").click()
    page.wait_for_url("**/report-jobs/*")
    assert page.locator("#report-state").get_attribute("data-state") in ("queued", "running")
    assert not page.locator("#report-download").is_visible()
    # the static script polls the JSON status and reveals the link when the job is done
    page.locator("#report-download").wait_for(state="visible", timeout=20_000)
    assert page.locator("#report-progress").get_attribute("value") == "100"
    assert page.locator("#report-state").inner_text() == "The report is ready."
    with page.expect_download() as pdf_info:
        page.locator("#report-download").click()
    assert pdf_info.value.path().read_bytes() == SLOW_PDF
    assert pdf_info.value.suggested_filename == "big-survey-report-en.pdf"
    assert problems == []  # no CSP violations, no script errors
    context.close()
    app.extensions["manyi.report_pool"].shutdown(wait=True)
