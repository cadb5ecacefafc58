"""The report's groups compared by an attribute of the participants list, chosen in a real browser: the survey
page's choice and the report it opens, at a phone's width (zh) and a desktop's (en)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from survey_app.extensions import db
from survey_app.services.users import create_user
from tests.browser.conftest import sign_in
from tests.survey_app.test_attributes import PIPED, _answered

PASSWORD = "manager password 1"
#: where the screenshots are kept for a person to look at (the test's own folder unless SCREENSHOTS is set)
SHOTS = os.environ.get("SCREENSHOTS")


@pytest.mark.parametrize(("lang", "viewport"), [("zh", {"width": 390, "height": 844}),
                                                ("en", {"width": 1280, "height": 800})])
def test_the_report_compared_by_an_attribute_is_chosen_and_read(app, live_server, browser, make_survey,
                                                                 tmp_path: Path, lang, viewport):
    slug = make_survey("teams", definition=PIPED, title={"zh": "团队调查", "en": "Team survey"})
    _answered(app, slug, anonymous=False)
    with app.app_context():
        create_user("manager@example.com", PASSWORD, role="admin")
        db.session.commit()
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport=viewport).new_page()
    sign_in(page, live_server, "manager@example.com", PASSWORD, lang)
    page.wait_for_url(f"{live_server}/admin/")

    page.goto(f"{live_server}/admin/surveys/{slug}")
    page.locator("#report-by").select_option("attribute:team")
    page.locator("#report-lang").select_option(lang)
    label = "属性：team" if lang == "zh" else "Attribute: team"
    assert page.locator("#report-by option:checked").inner_text() == label
    page.locator("#report-breakdown").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"breakdown-choice-{lang}-{viewport['width']}.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")

    page.locator("#report-by-html").click()
    page.wait_for_load_state()
    groups = page.locator("#groups")
    assert label in groups.locator("h1").inner_text()
    assert groups.locator("td", has_text="blue").count() == 1 and groups.locator("td", has_text="green").count() == 0
    groups.scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"breakdown-report-{lang}-{viewport['width']}.png"))
