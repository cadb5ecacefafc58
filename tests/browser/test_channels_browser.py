"""The mail page's other channels in a real browser: the short text, the export, the webhook set up (its secret
shown once) and the messages posted to a receiver started here, at a phone's width (zh) and a desktop's (en)."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from survey_app.extensions import db
from survey_app.services.users import create_user
from tests.browser.conftest import sign_in

PASSWORD = "manager password 1"
#: where the screenshots are kept for a person to look at (the test's own folder unless SCREENSHOTS is set)
SHOTS = os.environ.get("SCREENSHOTS")
PARTICIPANTS = ("email,name,unit,language,phone\n"
                "ann@example.com,Ann Lee,north,en,+8613800000001\n"
                "lei@example.com,李雷,south,zh,+8613800000002\n")


@pytest.fixture
def receiver():
    received: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            received.append(json.loads(self.rfile.read(int(self.headers["Content-Length"]))))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/hook", received
    server.shutdown()
    server.server_close()


@pytest.mark.parametrize(("lang", "viewport"), [("zh", {"width": 390, "height": 844}),
                                                ("en", {"width": 1280, "height": 800})])
def test_short_text_export_and_webhook(app, live_server, browser, make_survey, receiver, tmp_path: Path, lang,
                                       viewport):
    url, received = receiver
    app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"), MAIL_SEND_IN_BACKGROUND=True)
    slug = make_survey("mailed", title={"zh": "门店调查", "en": "Store survey"})
    with app.app_context():
        create_user("manager@example.com", PASSWORD, role="admin")
        db.session.commit()
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)
    page = browser.new_context(viewport=viewport, accept_downloads=True).new_page()
    sign_in(page, live_server, "manager@example.com", PASSWORD, lang)
    page.wait_for_url(f"{live_server}/admin/")

    page.goto(f"{live_server}/admin/surveys/{slug}/mail")
    people = tmp_path / "people.csv"
    people.write_text(PARTICIPANTS, encoding="utf-8")
    page.locator("#participants-file").set_input_files(str(people))
    page.locator("#participants-file ~ button").click()
    page.wait_for_load_state()
    if lang == "en":
        page.locator("#preview-choices a", has_text="Invitation · English").click()
    short = page.locator("#short-text").inner_text()
    assert short.startswith("Ann Lee您好" if lang == "zh" else "Hello Ann Lee") and "/s/mailed/" in short

    with page.expect_download() as download:
        page.locator("#export-xlsx").click()
    assert download.value.suggested_filename == "mailed-invitation-messages.xlsx"

    page.locator("#channel-settings input[value=both]").check()
    page.locator("#webhook-url").fill(url)
    page.locator("#save-channels").click()
    page.wait_for_load_state()
    secret = page.locator("#webhook-secret-value").inner_text()
    assert secret.startswith("whsec_")
    page.screenshot(path=str(shots / f"channels-secret-{lang}-{viewport['width']}.png"), full_page=True)
    page.locator("main a").last.click()
    page.wait_for_load_state()
    assert secret not in page.content()

    page.locator("#send-invitations").click()
    page.wait_for_load_state()
    for _ in range(50):  # the sending thread posts within moments
        if len(received) == 2:
            break
        page.wait_for_timeout(100)
    page.reload()
    assert len(received) == 2 and {m["recipient"]["email"] for m in received} == {"ann@example.com",
                                                                                  "lei@example.com"}
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#channels").scroll_into_view_if_needed()
    page.screenshot(path=str(shots / f"channels-{lang}-{viewport['width']}.png"), full_page=True)
    page.locator("#channels").screenshot(path=str(shots / f"channels-section-{lang}-{viewport['width']}.png"))
