"""The privacy notice in a real browser: refusing the consent on a phone stores nothing; agreeing on a desktop
stores the consent's wording and version with the response."""

from __future__ import annotations

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Survey
from survey_app.services.privacy import set_notice
from tests.survey_app.test_privacy_notice import NOTICE

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 800}


def test_consent_refused_stores_nothing_and_consent_given_is_stored(app, live_server, browser, make_survey):
    make_survey()
    with app.app_context():
        set_notice(db.session.scalar(sa.select(Survey).filter_by(slug="flow")), NOTICE)
        db.session.commit()

    phone = browser.new_context(viewport=PHONE, locale="zh-CN", is_mobile=True, has_touch=True).new_page()
    phone.goto(f"{live_server}/s/flow?lang=zh")
    assert phone.locator("#notice-purpose").inner_text() == "purpose-zh"
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    phone.get_by_role("button", name="我不同意").click()
    phone.wait_for_load_state()
    assert phone.locator("h1").inner_text() == "您未同意"
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Response.id))) == 0

    desktop = browser.new_context(viewport=DESKTOP, locale="en-GB").new_page()
    desktop.goto(f"{live_server}/s/flow?lang=en")
    desktop.get_by_role("button", name="Agree and start").click()  # the box is required: nothing happens
    assert "/privacy" not in desktop.url and desktop.locator("#consent").is_visible()
    desktop.get_by_label("I agree (en)").check()
    desktop.get_by_role("button", name="Agree and start").click()
    desktop.wait_for_load_state()
    desktop.locator("#q-SAT label.option").nth(8).click()
    desktop.locator("#q-PROBLEM label.option").first.click()
    desktop.get_by_role("button", name="Next").click()
    desktop.wait_for_load_state()
    assert "page=2" in desktop.url
    with app.app_context():
        [response] = db.session.scalars(sa.select(Response)).all()
        assert (response.consent_version, response.consent_text) == (1, "I agree (en)")
