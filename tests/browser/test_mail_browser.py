"""The console's mail in a real browser: participants imported, the message previewed, invitations sent to the
local outbox and read there, at a phone's width (zh) and a desktop's (en)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from survey_app.extensions import db
from survey_app.services.users import create_user
from tests.browser.conftest import sign_in

PASSWORD = "manager password 1"
#: where the screenshots are kept for a person to look at (the test's own folder unless SCREENSHOTS is set)
SHOTS = os.environ.get("SCREENSHOTS")
PARTICIPANTS = ("email,name,unit,language,team\n"
                "ann@example.com,Ann Lee,north,en,blue\n"
                "lei@example.com,李雷,south,zh,red\n")


@pytest.mark.parametrize(("lang", "viewport"), [("zh", {"width": 390, "height": 844}),
                                                ("en", {"width": 1280, "height": 800})])
def test_participants_preview_send_and_outbox(app, live_server, browser, make_survey, tmp_path: Path, lang,
                                              viewport):
    app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"), MAIL_SEND_IN_BACKGROUND=True)
    slug = make_survey("mailed", title={"zh": "门店调查", "en": "Store survey"})
    with app.app_context():
        user, _ = create_user("manager@example.com", PASSWORD, role="admin")
        db.session.commit()
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport=viewport).new_page()
    sign_in(page, live_server, "manager@example.com", PASSWORD, lang)
    page.wait_for_url(f"{live_server}/admin/")

    page.goto(f"{live_server}/admin/surveys/{slug}")
    page.locator("#mail-link").click()
    people = tmp_path / "people.csv"
    people.write_text(PARTICIPANTS, encoding="utf-8")
    page.locator("#participants-file").set_input_files(str(people))
    page.locator("#participants-file ~ button").click()
    page.wait_for_load_state()
    assert page.locator("#deliveries tbody tr").count() == 2
    if lang == "en":  # the preview starts in the survey's first language, Chinese
        page.locator("#preview-choices a", has_text="Invitation · English").click()
    subject = page.locator("#preview-subject").inner_text()
    assert subject == ("邀请：门店调查" if lang == "zh" else "Invitation: Store survey")
    assert page.frame_locator("#preview-html").locator("a").first.get_attribute("href").startswith(
        "http://127.0.0.1:5000/s/mailed/")
    page.screenshot(path=str(shots / f"mail-preview-{lang}-{viewport['width']}.png"), full_page=True)

    page.locator("#send-invitations").click()
    page.wait_for_load_state()
    for _ in range(50):  # the sending thread fills the outbox within moments
        if page.locator("#outbox tbody tr").count() == 2:
            break
        page.wait_for_timeout(100)
        page.reload()
    assert page.locator("#outbox tbody tr").count() == 2
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(shots / f"mail-outbox-{lang}-{viewport['width']}.png"), full_page=True)
    page.locator("#outbox tbody a").first.click()
    assert "List-Unsubscribe=One-Click" in page.content()
    assert "/s/mailed/" in page.locator("#message-text").inner_text()
    page.screenshot(path=str(shots / f"mail-message-{lang}-{viewport['width']}.png"), full_page=True)
