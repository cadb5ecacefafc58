"""The participants' progress page and a survey page with a piped attribute in a real browser, at a phone's width
(zh) and a desktop's (en): no horizontal scrolling of the page, every label translated."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Survey
from survey_app.services.invitations import invitation_token
from survey_app.services.mail import queue_invitations, send_queued
from survey_app.services.units import import_units
from survey_app.services.users import create_user
from tests.browser.conftest import sign_in
from tests.survey_app.test_attributes import PIPED
from tests.survey_app.test_tracking import HIERARCHY, PEOPLE, T0

PASSWORD = "manager password 1"
#: where the screenshots are kept for a person to look at (the test's own folder unless SCREENSHOTS is set)
SHOTS = os.environ.get("SCREENSHOTS")


def _survey(app, slug: str, anonymous: bool, tmp_path: Path) -> dict[str, str]:
    """A survey with units and four participants, mailed; returns each one's personal link path."""
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        import_units(survey, HIERARCHY)
        from survey_app.services.participants import import_participants

        import_participants(survey, PEOPLE.encode())
        queue_invitations(survey, now=T0)
        db.session.commit()
        app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"))
        send_queued(now=lambda: T0, sleep=lambda s: None)
        return {email: f"/s/{slug}/{invitation_token(id_)}" for id_, email in db.session.execute(
            sa.select(Invitation.id, Invitation.email).filter_by(survey_id=survey.id))}


@pytest.mark.parametrize(("lang", "viewport"), [("zh", {"width": 390, "height": 844}),
                                                ("en", {"width": 1280, "height": 800})])
@pytest.mark.parametrize("anonymous", [False, True], ids=["identified", "anonymous"])
def test_progress_page_and_piped_attribute(app, live_server, browser, make_survey, tmp_path: Path, lang, viewport,
                                           anonymous):
    slug = make_survey("teams", definition=PIPED, anonymous=anonymous,
                       title={"zh": "团队调查", "en": "Team survey"})
    links = _survey(app, slug, anonymous, tmp_path)
    with app.app_context():
        create_user("manager@example.com", PASSWORD, role="admin")
        db.session.commit()
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    kind = "anonymous" if anonymous else "identified"

    respondent = browser.new_context(viewport=viewport).new_page()
    respondent.goto(f"{live_server}{links['ann@example.com']}?lang={lang}")
    text = respondent.locator("main").inner_text()
    assert "blue" in text and "{{" not in text
    assert respondent.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    respondent.screenshot(path=str(shots / f"piped-{kind}-{lang}-{viewport['width']}.png"), full_page=True)

    page = browser.new_context(viewport=viewport).new_page()
    sign_in(page, live_server, "manager@example.com", PASSWORD, lang)
    page.wait_for_url(f"{live_server}/admin/")
    page.goto(f"{live_server}/admin/surveys/{slug}/mail")
    page.locator("#progress-link").click()
    page.wait_for_load_state()
    assert page.locator("#count-sent").inner_text() == "4"
    if anonymous:
        assert page.locator("#participant-status").count() == 0
        assert page.locator("#anonymous-note").is_visible()
    else:
        assert page.locator("#participant-status tbody tr").count() == 4
        assert page.locator('#participant-status tr[data-status="opened"]').count() == 1
        page.locator("#filter-unit").select_option("north-region")
        page.locator("#status-filter button").click()
        page.wait_for_load_state()
        assert page.locator("#participant-status tbody tr").count() == 3
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(shots / f"progress-{kind}-{lang}-{viewport['width']}.png"), full_page=True)
