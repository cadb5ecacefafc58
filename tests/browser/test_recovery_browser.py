"""The loop closed in a real browser: a customer answers NPS 3 with an unresolved complaint, the alert mail arrives
at a real SMTP server (aiosmtpd), the owner assigns and resolves the case with the follow-up ticked, the follow-up
mail arrives, the customer answers it in the browser, the case page shows the answers and the report shows the
recovery figures (SQLite)."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Survey, Unit
from survey_app.scheduler import run_due
from survey_app.services.alerts import save_rule
from survey_app.services.invitations import invitation_token
from survey_app.services.mail import send_queued
from survey_app.services.tokens import token_hash
from tests.browser.test_cases_browser import _choose
from tests.survey_app.alert_fixtures import HAPPY, PASSWORD, add_response, setup_world
from tests.survey_app.test_mail import smtp_server  # noqa: F401  (the fixture)

SHOTS = os.environ.get("SCREENSHOTS")


@pytest.mark.parametrize(("lang", "viewport"), [("zh", {"width": 390, "height": 844}),
                                                ("en", {"width": 1280, "height": 800})])
def test_complaint_alert_case_resolved_followup_answered_report(app, live_server, browser, make_survey,
                                                                smtp_server, tmp_path: Path, lang, viewport):  # noqa: F811
    app.config.update(SMTP_URL=smtp_server.url, PUBLIC_BASE_URL=live_server)
    setup_world(app, make_survey)
    for _ in range(4):
        add_response(app, "alerts", HAPPY)  # customers who never had a problem
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
        save_rule(survey, name="detractor", condition={"item": "NPS", "le": 6}, priority="high", sla_hours=24)
        north = db.session.scalar(sa.select(Unit.id).filter_by(survey_id=survey.id, code="north"))
        invitation = Invitation(survey_id=survey.id, token_hash="f" * 64, unit_id=north, name="Ann Lee",
                                email="ann@example.com", external_ref="C-1001", language=lang)
        db.session.add(invitation)
        db.session.flush()
        invitation.token_hash = token_hash(invitation_token(invitation.id))
        db.session.commit()
        link = f"{live_server}/s/alerts/{invitation_token(invitation.id)}?lang={lang}"
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    next_label, submit_label = ("下一页", "提交") if lang == "zh" else ("Next", "Submit")

    customer = browser.new_context(viewport=viewport).new_page()
    customer.goto(link)
    _choose(customer, "SAT", "4")
    _choose(customer, "PROBLEM", "1")
    customer.locator("#q-RESOLVED").wait_for(state="visible")
    _choose(customer, "RESOLVED", "0")
    customer.locator("#q-PROBLEM_TEXT textarea").fill("The refund never came.")
    for _ in range(2):
        customer.get_by_role("button", name=next_label).click()
        customer.wait_for_load_state()
    _choose(customer, "NPS", "3")
    _choose(customer, "LOYAL", "2")
    customer.get_by_role("button", name=submit_label).click()
    customer.wait_for_load_state()
    assert "thanks" in customer.url

    with app.app_context():
        run_due(datetime.now(UTC), "worker")
    alert = next(m for m in smtp_server.received if m["To"] == "north.lead@example.com")
    case_link = re.search(r"(http://\S+/cases/\d+)", alert.get_body(("plain",)).get_content()).group(1)

    manager = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh" else "en-US").new_page()
    manager.goto(f"{live_server}/admin/login?lang={lang}")
    manager.goto(case_link)
    manager.locator("input[name=email]").fill("north.lead@example.com")
    manager.locator("input[name=password]").fill(PASSWORD)
    manager.locator("form button[type=submit]").click()
    manager.wait_for_url(case_link)
    manager.locator("#assignee").select_option(label="owner@example.com")
    manager.locator("#assign").click()
    manager.wait_for_load_state()
    assert manager.locator("#followup-option").is_checked()  # on by default: the customer has an address
    manager.locator("#status").select_option("resolved")
    manager.locator("#change-status").click()
    manager.wait_for_load_state()
    assert manager.locator("#followup-state").get_attribute("data-state") == "queued"

    with app.app_context():
        assert send_queued(sleep=lambda _: None).sent == 1
    followup = next(m for m in smtp_server.received if m["To"] == "ann@example.com")
    assert str(followup["Subject"]).strip().startswith("我们处理得怎么样" if lang == "zh" else "How did we handle")
    followup_link = re.search(r"(http://\S+/s/alerts-followup/\S+)", followup.get_body(("plain",)).get_content())

    customer.goto(followup_link.group(1))
    for code, value in (("FUOUT", "5"), ("FUPROC", "4"), ("FUINT", "5"), ("FUSAT", "5")):
        _choose(customer, code, value)
    customer.get_by_role("button", name=next_label).click()
    customer.wait_for_load_state()
    _choose(customer, "FUREC", "9")
    _choose(customer, "FURET", "9")
    customer.get_by_role("button", name=submit_label).click()
    customer.wait_for_load_state()
    assert "thanks" in customer.url

    manager.reload()
    manager.wait_for_load_state("load")
    assert manager.locator("#followup-state").get_attribute("data-state") == "answered"
    assert "9" in manager.locator("#followup-answers dd[data-item=FUREC]").inner_text()
    assert manager.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    manager.screenshot(path=str(shots / f"case-followup-{lang}-{viewport['width']}.png"), full_page=True)

    manager.goto(f"{live_server}/admin/surveys/alerts/report.html?lang={lang}")
    section = manager.locator("#recovery")
    text = section.inner_text()
    assert ("投诉补救" if lang == "zh" else "Complaint recovery") in text
    assert ("1 份中 1 份" if lang == "zh" else "1 of 1 (100.0%") in text
    recovered = section.locator("tr[data-group=recovered] td")
    assert recovered.nth(1).inner_text() == "1" and recovered.nth(2).inner_text().startswith("9.0")
    never = section.locator("tr[data-group=never_problem] td")
    assert never.nth(1).inner_text() == "4" and never.nth(2).inner_text().startswith("10.0")
