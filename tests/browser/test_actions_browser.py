"""The action plan in a real browser: a manager plans an action on a driver for a unit, moves it along and writes
notes; the plan and the action at a phone's width (zh) and a desktop's (en)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Action, Unit
from survey_app.services.actions import history
from tests.browser.conftest import sign_in
from tests.survey_app.alert_fixtures import PASSWORD, setup_world

SHOTS = os.environ.get("SCREENSHOTS")


@pytest.mark.parametrize(("lang", "viewport"), [("zh", {"width": 390, "height": 844}),
                                                ("en", {"width": 1280, "height": 800})])
def test_plan_an_action_then_move_it_along(app, live_server, browser, make_survey, tmp_path: Path, lang, viewport):
    setup_world(app, make_survey)
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh" else "en-US").new_page()
    sign_in(page, live_server, "owner@example.com", PASSWORD, lang)
    page.goto(f"{live_server}/admin/surveys/alerts")
    page.locator("#action-plan-link").click()
    page.wait_for_load_state()
    assert page.locator("#no-actions").is_visible()
    page.locator("#driver").select_option("SAT")
    page.locator("#unit").select_option("north")
    title = "每周回访不满意的顾客" if lang == "zh" else "Call back unhappy customers every week"
    page.locator("#title").fill(title)
    page.locator("#due").fill("2027-01-31")
    page.locator("#notes").fill("Start with the north stores.")
    page.locator("#plan").click()
    page.wait_for_load_state()
    row = page.locator("#actions tbody tr").first
    assert title in row.inner_text() and "owner@example.com" in row.inner_text()
    assert ("已计划" if lang == "zh" else "planned") in row.inner_text()
    page.screenshot(path=str(shots / f"actions-{lang}-{viewport['width']}.png"), full_page=True)

    row.locator("a").click()
    page.wait_for_load_state()
    page.locator("#status").select_option("in_progress")
    page.locator("#change-status").click()
    page.wait_for_load_state()
    assert page.locator("#action-status").inner_text() == ("处理中" if lang == "zh" else "in progress")
    page.locator("#notes").fill("Two stores started; 两家门店已开始。")
    page.locator("#save-notes").click()
    page.wait_for_load_state()
    assert "两家门店已开始" in page.locator("#history").inner_text()
    page.screenshot(path=str(shots / f"action-{lang}-{viewport['width']}.png"), full_page=True)

    # a filter that matches nothing, then the overdue filter (due in 2027: not overdue)
    page.goto(f"{live_server}/admin/surveys/alerts/actions?status=done")
    assert page.locator("#no-actions").is_visible()
    page.goto(f"{live_server}/admin/surveys/alerts/actions?overdue=1")
    assert page.locator("#no-actions").is_visible()
    with app.app_context():
        action = db.session.scalar(sa.select(Action))
        unit = db.session.get(Unit, action.unit_id)
        assert (action.driver, unit.code, action.status, str(action.due_on)) == ("SAT", "north", "in_progress",
                                                                                 "2027-01-31")
        assert [entry.kind for entry in history(action)] == ["created", "status", "note"]
