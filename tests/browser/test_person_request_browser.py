"""A person's erasure request end to end in a real browser - find, export, erase, find again: nothing - and the
audit log that records it, at a desktop's width in English and a phone's in Chinese (no horizontal scrolling)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Invitation, Response, Survey
from survey_app.services.users import create_user
from tests.browser.conftest import sign_in

PASSWORD = "admin password 1"
EMAIL = "li.lei@example.com"
#: where the screenshots are kept for a person to look at (the test's own folder unless SCREENSHOTS is set)
SHOTS = os.environ.get("SCREENSHOTS")


def _seed(app, make_survey) -> None:
    """Li Lei invited to an identified survey (and answered it) and to an anonymous one; Han Mei to the first."""
    make_survey("customers", title={"zh": "客户调查", "en": "Customer survey"})
    make_survey("staff", anonymous=True, title={"zh": "员工调查", "en": "Staff survey"})
    with app.app_context():
        customers, staff = (db.session.scalar(sa.select(Survey).filter_by(slug=s)) for s in ("customers", "staff"))
        mine = Invitation(survey_id=customers.id, token_hash="a" * 64, external_ref="CUST-7781", email=EMAIL,
                          name="Li Lei", attributes={"tier": "gold"})
        db.session.add_all([mine, Invitation(survey_id=staff.id, token_hash="b" * 64, email=EMAIL),
                            Invitation(survey_id=customers.id, token_hash="c" * 64, email="han.mei@example.com",
                                       name="Han Mei")])
        db.session.flush()
        db.session.add(Response(survey_id=customers.id, submission_key="k", resume_hash="d" * 64,
                                invitation_id=mine.id, status="complete", answers={"SAT": 4, "COMMENT": "slow"}))
        create_user("admin@example.com", PASSWORD, role="admin")
        db.session.commit()


def _signed_in(browser, live_server: str, viewport: dict, lang: str):
    page = browser.new_context(viewport=viewport, accept_downloads=True).new_page()
    sign_in(page, live_server, "admin@example.com", PASSWORD, lang)
    page.wait_for_url(f"{live_server}/admin/")
    return page


def _find(page, live_server: str, identifier: str) -> None:
    page.goto(f"{live_server}/admin/requests")
    page.locator("#identifier").fill(identifier)
    page.locator("#find").click()
    page.wait_for_load_state()


def test_an_erasure_request_end_to_end(app, live_server, browser, make_survey, tmp_path: Path):
    _seed(app, make_survey)
    app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"))
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)

    page = _signed_in(browser, live_server, {"width": 1280, "height": 800}, "en")
    _find(page, live_server, EMAIL)
    assert page.locator("#records tbody tr").count() == 3  # two invitations, one response
    assert page.locator("#anonymous-note").is_visible()
    page.screenshot(path=str(shots / "request-found-en-1280.png"), full_page=True)
    with page.expect_download() as download:
        page.locator("#export-json").click()
    exported = json.loads(Path(download.value.path()).read_text())["records"]
    assert {r["survey"] for r in exported["invitation"]} == {"customers", "staff"}
    assert exported["response"][0]["answers"] == {"SAT": 4, "COMMENT": "slow"}
    page.locator("#confirm-erase").check()
    page.locator("#erase").click()
    page.wait_for_load_state()
    assert "3 records erased." in page.locator("main").inner_text()
    _find(page, live_server, EMAIL)
    assert page.locator("#nothing-found").is_visible() and page.locator("#records").count() == 0
    page.goto(f"{live_server}/admin/audit")
    actions = page.locator("#audit-entries tbody tr").evaluate_all("rows => rows.map(r => r.dataset.action)")
    assert actions[:4] == ["request.found", "request.erased", "request.exported", "request.found"]
    assert EMAIL not in page.locator("main").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.screenshot(path=str(shots / "audit-en-1280.png"), full_page=True)

    phone = _signed_in(browser, live_server, {"width": 390, "height": 844}, "zh")
    _find(phone, live_server, "han.mei@example.com")
    assert phone.locator("#records tbody tr").count() == 1
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=str(shots / "request-found-zh-390.png"), full_page=True)
    phone.goto(f"{live_server}/admin/audit")
    assert phone.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    phone.screenshot(path=str(shots / "audit-zh-390.png"), full_page=True)
