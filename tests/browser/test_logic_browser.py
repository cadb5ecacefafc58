"""A survey with a welcome page, a matrix, piping, a condition across pages and a skip, answered in a real browser
on a phone and on a desktop screen."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response
from tests.instruments.conftest import LOGIC

SIZES = {"phone": {"width": 390, "height": 844}, "desktop": {"width": 1280, "height": 800}}


@pytest.mark.parametrize("size", list(SIZES))
def test_a_survey_with_a_matrix_a_skip_and_piping(app, live_server, browser, make_survey, tmp_path, size):
    make_survey(slug="logic", definition=LOGIC)
    viewport = SIZES[size]
    context = browser.new_context(viewport=viewport, locale="en-GB", is_mobile=size == "phone",
                                  has_touch=size == "phone")
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: errors.append(str(error)))
    page.on("dialog", lambda dialog: errors.append("dialog: " + dialog.message))  # an injected alert()

    page.goto(f"{live_server}/s/logic?lang=en")
    assert "About 4 minutes" in page.content()
    page.get_by_role("link", name="Start the survey").click()

    page.locator("label[for='BRANCH-0']").click()  # North
    page.locator("#NICK").fill('<img src=x onerror="alert(1)">Ann')
    page.locator("label[for='USED-0']").click()  # Yes
    page.get_by_role("button", name="Next").click()

    assert page.locator(".intro").inner_text() == "These questions are about North."
    page.locator("#VISITS").fill("6")
    page.get_by_role("checkbox", name="Website").check()
    page.get_by_role("button", name="Next").click()

    # the matrix: one labelled radio group per row; WEB_EASE shown by a condition on the page before
    assert page.locator(".intro").inner_text() == "You came 6 times last year."
    matrix = page.get_by_role("group", name="How do you rate North on the following?")
    rows = matrix.get_by_role("radiogroup")
    assert rows.count() == 3
    speed = page.get_by_role("radiogroup", name="Speed of service")
    assert speed.get_by_role("radio").count() == 5
    assert page.locator("#q-WEB_EASE").is_visible()
    for code, label in (("R_SPEED", "Agree"), ("R_STAFF", "Strongly agree"), ("R_PRICE", "Disagree")):
        page.get_by_role("radiogroup", name={"R_SPEED": "Speed of service", "R_STAFF": "Friendliness of staff",
                                             "R_PRICE": "Prices"}[code]).get_by_role("radio", name=label,
                                                                               exact=True).check()
    assert page.evaluate("document.documentElement.scrollWidth") <= viewport["width"]
    head_shown = page.locator(".matrix-head").is_visible()
    assert head_shown is (size == "desktop")  # a grid with a header on wide screens, stacked blocks on phones
    label_visible = page.locator("label[for='R_SPEED-0'] .option-label").bounding_box()["width"] > 1
    assert label_visible is (size == "phone")
    page.screenshot(path=str(_shots(tmp_path) / f"matrix-{size}.png"), full_page=True)
    page.get_by_role("radiogroup", name="Is the website easy to use?").get_by_role("radio", name="Agree",
                                                                              exact=True).check()
    page.get_by_role("button", name="Next").click()

    # piping: the name as typed, shown as text (no image, no alert); a condition revealed while answering
    assert page.get_by_text('<img src=x onerror="alert(1)">Ann, overall how satisfied are you?').is_visible()
    assert "Channels you use: Website" in page.locator("#q-SAT .help").inner_text()
    assert page.locator("img").count() == 0
    assert not page.locator("#q-WHY").is_visible()
    page.locator("label[for='SAT-4']").click()  # 5: between 1 and 6
    assert page.locator("#q-WHY").is_visible()
    page.locator("label[for='SAT-8']").click()  # 9
    assert not page.locator("#q-WHY").is_visible()

    # back to the visits, fewer of them: the ratings page is skipped now and its answers dropped
    page.get_by_role("button", name="Back").click()
    page.get_by_role("button", name="Back").click()
    page.locator("#VISITS").fill("1")
    page.get_by_role("button", name="Next").click()
    assert page.locator("h1").inner_text() == "Overall"
    assert "Page 3 of 3" in page.locator(".progress-text").inner_text()
    page.locator("label[for='SAT-8']").click()
    page.get_by_role("button", name="Submit").click()
    assert "Your views go to the branch manager." in page.content()
    assert errors == []

    with app.app_context():
        [response] = db.session.scalars(sa.select(Response)).all()
    assert response.status == "complete"
    assert response.answers == {"BRANCH": "north", "NICK": '<img src=x onerror="alert(1)">Ann', "USED": 1,
                                "VISITS": 1, "CHANNELS": ["web"], "SAT": 9}
    context.close()


def _shots(tmp_path: Path) -> Path:
    """Where screenshots go: SCREENSHOT_DIR when set (to look at them), else the test's own directory."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder
