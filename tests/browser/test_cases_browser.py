"""Alerts end to end in a real browser: a customer answers NPS 3 with an unresolved complaint, the alert mail
arrives at a real SMTP server (aiosmtpd), the unit's owner opens the case from the link in the mail, assigns it,
writes a note and resolves it; the case list and the case page at a phone's width (zh) and a desktop's (en)."""

from __future__ import annotations

import os
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import AlertCase, Invitation, Survey, Unit
from survey_app.scheduler import run_due
from survey_app.services.alerts import save_rule
from survey_app.services.cases import history
from survey_app.services.invitations import invitation_token
from survey_app.services.tokens import token_hash
from tests.survey_app.alert_fixtures import PASSWORD, setup_world
from tests.survey_app.test_mail import smtp_server  # noqa: F401  (the fixture)

SHOTS = os.environ.get("SCREENSHOTS")


def _choose(page, code: str, value: str) -> None:
    page.locator(f"#q-{code} label.option", has=page.locator(f"input[value='{value}']")).click()


@pytest.mark.parametrize(("lang", "viewport"), [("zh", {"width": 390, "height": 844}),
                                                ("en", {"width": 1280, "height": 800})])
def test_alert_mail_case_assigned_noted_resolved(app, live_server, browser, make_survey, smtp_server,  # noqa: F811
                                                 tmp_path: Path, lang, viewport):
    app.config.update(SMTP_URL=smtp_server.url, PUBLIC_BASE_URL=live_server)
    setup_world(app, make_survey)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="alerts"))
        save_rule(survey, name="NPS 0-6" if lang == "en" else "贬损者", condition={"item": "NPS", "le": 6},
                  priority="high", sla_hours=24)
        save_rule(survey, name="unresolved complaint" if lang == "en" else "投诉未解决",
                  condition={"all": [{"item": "PROBLEM", "in": [1]}, {"item": "RESOLVED", "in": [0]}]},
                  priority="urgent", sla_hours=4)
        north = db.session.scalar(sa.select(Unit.id).filter_by(survey_id=survey.id, code="north"))
        invitation = Invitation(survey_id=survey.id, token_hash="0" * 64, unit_id=north, name="Ann Lee",
                                email="ann@example.com", external_ref="C-1001", attributes={"tier": "gold"})
        db.session.add(invitation)
        db.session.flush()
        invitation.token_hash = token_hash(invitation_token(invitation.id))
        db.session.commit()
        link = f"{live_server}/s/alerts/{invitation_token(invitation.id)}?lang=en"
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)

    # the customer answers through their personal link
    customer = browser.new_context(viewport={"width": 1280, "height": 800}).new_page()
    customer.goto(link)
    _choose(customer, "SAT", "4")
    _choose(customer, "PROBLEM", "1")
    customer.locator("#q-RESOLVED").wait_for(state="visible")
    _choose(customer, "RESOLVED", "0")
    customer.locator("#q-PROBLEM_TEXT textarea").fill("The refund never came.")
    customer.get_by_role("button", name="Next").click()
    customer.wait_for_load_state()
    customer.get_by_role("button", name="Next").click()
    customer.wait_for_load_state()
    _choose(customer, "NPS", "3")
    _choose(customer, "LOYAL", "2")
    customer.get_by_role("button", name="Submit").click()
    customer.wait_for_load_state()
    assert "thanks" in customer.url

    # the scheduler evaluates the rules and sends the mail
    with app.app_context():
        summary = run_due(datetime.now(UTC), "worker")
    assert not summary.retried and not summary.failed
    to_lead = [m for m in smtp_server.received if m["To"] == "north.lead@example.com"]
    assert len(to_lead) == 2  # one per rule met
    assert {m["To"] for m in smtp_server.received} == {"north.lead@example.com", "deputy@example.com"}
    mail = next(m for m in to_lead if "投诉未解决" in m["Subject"] or "unresolved" in m["Subject"])
    case_link = re.search(r"(http://\S+/cases/\d+)", mail.get_body(("plain",)).get_content()).group(1)

    # the unit's owner follows the link, signs in and lands on the case
    manager = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh" else "en-US").new_page()
    manager.goto(f"{live_server}/admin/login?lang={lang}")
    manager.goto(case_link)
    manager.locator("input[name=email]").fill("north.lead@example.com")
    manager.locator("input[name=password]").fill(PASSWORD)
    manager.locator("form button[type=submit]").click()
    manager.wait_for_url(case_link)
    assert "The refund never came." in manager.locator("#answers").inner_text()
    assert "C-1001" in manager.locator("#respondent").inner_text()

    manager.locator("#assignee").select_option(label="owner@example.com")
    manager.locator("#assign").click()
    manager.wait_for_load_state()
    assert manager.locator("#case-assignee").inner_text() == "owner@example.com"
    manager.locator("#note").fill("Called Ann: refund sent today. 已电话联系客户。")
    manager.locator("#add-note").click()
    manager.wait_for_load_state()
    manager.locator("#status").select_option("resolved")
    manager.locator("#change-status").click()
    manager.wait_for_load_state()
    assert manager.locator("#case-status").inner_text() == ("已解决" if lang == "zh" else "resolved")
    # opened, assigned, noted, resolved - and, the customer having an address, the follow-up survey sent on resolving
    assert manager.locator("#history li").count() == 5
    assert ("已发送回访问卷" if lang == "zh" else "Follow-up survey sent") in manager.locator("#history").inner_text()
    manager.wait_for_load_state("load")
    assert manager.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    manager.screenshot(path=str(shots / f"case-{lang}-{viewport['width']}.png"), full_page=True)

    manager.locator("a", has_text="本调查的所有个案" if lang == "zh" else "All cases of this survey").click()
    manager.wait_for_load_state("load")
    assert manager.locator("#cases tbody tr").count() == 2
    # the urgent rule's case comes first
    assert ("投诉未解决" if lang == "zh" else "unresolved") in manager.locator("#cases tbody tr").first.inner_text()
    assert manager.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    manager.screenshot(path=str(shots / f"cases-{lang}-{viewport['width']}.png"), full_page=True)

    with app.app_context():
        case = db.session.get(AlertCase, int(case_link.rsplit("/", 1)[1]))
        assert case.status == "resolved" and case.tier == "gold"
        assert [e.kind for e in history(case)] == ["opened", "assigned", "note", "status", "followup"]
    assigned = [m for m in smtp_server.received if m["To"] == "owner@example.com"]
    assert assigned == []  # sent by the scheduler's next pass
    with app.app_context():
        run_due(datetime.now(UTC), "worker")
    assert len([m for m in smtp_server.received if m["To"] == "owner@example.com"]) == 1
