"""The comment list in a real browser: a manager searches an identified survey's comments and narrows them to a
unit; an anonymous survey's comments only redacted, in groups; at a phone's width (zh) and a desktop's (en)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Survey
from survey_app.services.users import create_user
from tests.browser.conftest import sign_in
from tests.survey_app.test_anonymity_attacks import EMPLOYEE, add_answers

SHOTS = os.environ.get("SCREENSHOTS")
PASSWORD = "correct horse battery"
WRITTEN = ["前台王经理很热情，办理很快", "Checkout was slow, the lift was broken", "等候时间太长了，希望多开几个窗口",
           "Friendly staff, clean rooms", "请联系我 138 1234 5678，房间空调坏了", "早餐种类不多，但味道不错"]


def _comments(app, slug: str, answers: dict[str, list[int]]) -> None:
    add_answers(app, slug, answers)
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        rows = db.session.scalars(sa.select(Response).filter_by(survey_id=survey.id).order_by(Response.id)).all()
        for i, response in enumerate(rows):
            response.answers = {**response.answers, "COMMENT": WRITTEN[i % len(WRITTEN)]}
        db.session.commit()


@pytest.mark.parametrize(("lang", "viewport"), [("zh", {"width": 390, "height": 844}),
                                                ("en", {"width": 1280, "height": 800})])
def test_search_the_comments_then_read_an_anonymous_surveys(app, live_server, browser, make_survey, tmp_path: Path,
                                                            lang, viewport):
    make_survey(slug="hotel", definition=EMPLOYEE)
    make_survey(slug="staff", definition=EMPLOYEE, anonymous=True)
    _comments(app, "hotel", {"north": [9, 4, 3], "south": [8, 10, 6]})
    _comments(app, "staff", {"north": [7] * 6, "east": [8] * 6})
    with app.app_context():
        create_user("owner@example.com", PASSWORD, role="admin")
        db.session.commit()
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport=viewport, locale="zh-CN" if lang == "zh" else "en-US").new_page()
    sign_in(page, live_server, "owner@example.com", PASSWORD, lang)
    page.goto(f"{live_server}/admin/surveys/hotel")
    page.locator("#comments-link").click()
    page.wait_for_load_state()
    assert page.locator("#comments tbody tr").count() == 6
    page.locator("#f-q").fill("太长" if lang == "zh" else "SLOW")
    page.locator("#comment-filters button[type=submit]").click()
    page.wait_for_load_state()
    rows = page.locator("#comments tbody tr")
    assert rows.count() == 1 and (WRITTEN[2] if lang == "zh" else WRITTEN[1]) in rows.first.inner_text()
    page.locator("#f-q").fill("")
    page.locator("#f-unit").select_option("north")
    page.locator("#comment-filters button[type=submit]").click()
    page.wait_for_load_state()
    assert page.locator("#comments tbody tr").count() == 3
    assert "138 1234 5678" not in page.content()  # the fifth comment is south's
    page.screenshot(path=str(shots / f"comments-{lang}-{viewport['width']}.png"), full_page=True)

    page.goto(f"{live_server}/admin/surveys/staff/comments")
    assert page.locator("#anonymous-comments").is_visible() and page.locator("#comments").count() == 0
    shown = page.locator(".comment-group").all_inner_texts()
    assert shown and "138 1234 5678" not in "".join(shown) and "[电话]" in "".join(shown)
    page.screenshot(path=str(shots / f"comments-anonymous-{lang}-{viewport['width']}.png"), full_page=True)
