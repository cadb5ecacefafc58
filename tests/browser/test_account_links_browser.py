"""Console accounts by email in a real browser, at a phone's width (zh) and a desktop's (en): a forgotten password
set again through the message in the outbox, and a colleague's invitation accepted; axe-core checks each page."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from playwright.sync_api import Page

from survey_app.extensions import db
from survey_app.services.mail.account_mail import last_console_message
from survey_app.services.users import create_user
from tests.browser.test_accessibility_browser import _no_violations
from tests.survey_app.test_account_links import LINK, wait_for_mail

PASSWORD = "admin password 1"
NEW = "a brand new password"
#: where the screenshots are kept for a person to look at (the test's own folder unless SCREENSHOTS is set)
SHOTS = os.environ.get("SCREENSHOTS")
SCREENS = [("zh", {"width": 390, "height": 844}), ("en", {"width": 1280, "height": 800})]


@pytest.fixture
def console(app, tmp_path: Path) -> Path:
    """An admin; the console's messages go to an outbox of the test's (no mail server, as with `make run`)."""
    app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"))
    with app.app_context():
        create_user("admin@example.com", PASSWORD, role="admin")
        db.session.commit()
    return Path(app.config["MAIL_OUTBOX"])


def _shots(tmp_path: Path, lang: str, viewport: dict) -> Path:
    shots = (Path(SHOTS) if SHOTS else tmp_path) / f"accounts-{lang}-{viewport['width']}"
    shots.mkdir(parents=True, exist_ok=True)
    return shots


def _link_to(outbox: Path, address: str, live_server: str) -> str:
    """The link of the newest console message to ``address``, on the test's server."""
    wait_for_mail()
    message = last_console_message(outbox, to=address)
    return live_server + LINK.search(message.get_body(("plain",)).get_content()).group(1)


def _fits(page: Page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"), page.url


@pytest.mark.parametrize(("lang", "viewport"), SCREENS)
def test_forgot_password_read_the_message_set_a_new_one_and_sign_in(app, live_server, browser, console, tmp_path,
                                                                     lang, viewport):
    shots = _shots(tmp_path, lang, viewport)
    page = browser.new_context(viewport=viewport).new_page()
    page.goto(f"{live_server}/admin/login?lang={lang}")
    page.locator("#forgot-link").click()
    page.wait_for_url(f"{live_server}/admin/forgot-password")
    _no_violations(page, "1 forgotten password form", shots)
    _fits(page)
    page.locator("input[name=email]").fill("admin@example.com")
    page.locator("#forgot-form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/admin/login")
    assert "admin@example.com" in page.locator(".flash-success").inner_text()
    _no_violations(page, "2 message on its way", shots)

    link = _link_to(console, "admin@example.com", live_server)
    assert f"lang={lang}" in link  # the message and its page in the language the request was made in
    page.goto(link)
    assert page.locator("h1").inner_text() == ("设置新密码" if lang == "zh" else "Set a new password")
    _no_violations(page, "3 new password form", shots)
    _fits(page)
    page.locator("input[name=new]").fill(NEW)
    page.locator("input[name=repeat]").fill(NEW)
    page.locator("#set-password-form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/admin/")
    _no_violations(page, "4 signed in with the new password", shots)

    page.goto(link)  # the link again: used up
    assert page.locator("#link-refused").is_visible()
    _no_violations(page, "5 link used", shots)
    _fits(page)
    page.locator(".admin-nav form button[type=submit]").click()  # sign out, and in with the new password
    page.wait_for_url(f"{live_server}/admin/login")
    page.locator("input[name=email]").fill("admin@example.com")
    page.locator("input[name=password]").fill(NEW)
    page.locator("form.admin-form button[type=submit]").click()
    page.wait_for_url(f"{live_server}/admin/")


@pytest.mark.parametrize(("lang", "viewport"), SCREENS)
def test_an_admin_invites_a_colleague_who_accepts(app, live_server, browser, console, tmp_path, lang, viewport):
    shots = _shots(tmp_path, lang, viewport)
    admin = browser.new_context(viewport=viewport).new_page()
    admin.goto(f"{live_server}/admin/login?lang={lang}")
    admin.locator("input[name=email]").fill("admin@example.com")
    admin.locator("input[name=password]").fill(PASSWORD)
    admin.locator("form.admin-form button[type=submit]").click()
    admin.wait_for_url(f"{live_server}/admin/")
    admin.goto(f"{live_server}/admin/accounts")
    admin.locator("input[name=invite-email]").fill("colleague@example.com")
    admin.locator("#invite-form input[name=invite-role][value=hr]").check()
    admin.locator(f"#invite-form input[name=invite-language][value={lang}]").check()
    admin.locator("#send-invitation").click()
    admin.wait_for_url(f"{live_server}/admin/accounts")
    assert "colleague@example.com" in admin.locator(".flash-success").inner_text()
    assert admin.locator("#invitations tbody tr").count() == 1
    _no_violations(admin, "1 accounts with an invitation", shots)
    _fits(admin)

    colleague = browser.new_context(viewport=viewport).new_page()
    link = _link_to(console, "colleague@example.com", live_server)
    colleague.goto(link)
    assert "colleague@example.com" in colleague.locator(".help").inner_text()
    _no_violations(colleague, "2 invitation form", shots)
    _fits(colleague)
    colleague.locator("input[name=new]").fill("colleague password")
    colleague.locator("input[name=repeat]").fill("colleague password")
    colleague.locator("#set-password-form button[type=submit]").click()
    colleague.wait_for_url(f"{live_server}/admin/")
    assert "colleague@example.com" in colleague.locator(".admin-nav .who").inner_text()
    _no_violations(colleague, "3 colleague signed in", shots)

    admin.reload()
    assert admin.locator("#invitations").count() == 0
    assert admin.locator("table.data", has_text="colleague@example.com").count() == 1
