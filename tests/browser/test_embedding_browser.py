"""A survey embedded in another site's page: the owner allows the site's origin in the console and pastes the
snippet; the survey is answered inside the iframe, which grows with it; a site not allowed cannot frame it."""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response, Unit
from survey_app.services.users import create_user

PASSWORD = "owner password 1"


class _Site:
    """Another site on its own loopback port, serving one page that embeds ``html``."""

    def __init__(self) -> None:
        self.html = ""
        site = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 (the name http.server calls)
                body = f"<!doctype html><html><body><h1>Intranet</h1>{site.html}</body></html>".encode()
                self.send_response(200)
                self.send_header("Content-Type", "text/html; charset=utf-8")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.origin = f"http://127.0.0.1:{self.server.server_port}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(timeout=5)


@pytest.fixture
def sites() -> Iterator[tuple[_Site, _Site]]:
    """Two other sites: one the survey will allow, one it will not."""
    allowed, other = _Site(), _Site()
    yield allowed, other
    allowed.close()
    other.close()


def _shots(tmp_path: Path) -> Path:
    """Where screenshots go: SCREENSHOT_DIR when set (to look at them), else the test's own directory."""
    folder = Path(os.environ.get("SCREENSHOT_DIR") or tmp_path)
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def test_a_survey_is_answered_inside_an_allowed_site_and_refused_in_another(app, live_server, browser, sites,
                                                                            make_survey, tmp_path):
    allowed, other = sites
    app.config["PUBLIC_BASE_URL"] = live_server
    make_survey(title={"zh": "门店满意度", "en": "Store satisfaction"})
    with app.app_context():
        create_user("owner@example.com", PASSWORD, role="admin")
        db.session.commit()
    shots = _shots(tmp_path)

    console = browser.new_page(viewport={"width": 1280, "height": 800})
    console.goto(f"{live_server}/admin/login?lang=en")
    console.get_by_label("Email").fill("owner@example.com")
    console.get_by_label("Password").fill(PASSWORD)
    console.get_by_role("button", name="Sign in").click()
    console.wait_for_url(f"{live_server}/admin/")
    console.goto(f"{live_server}/admin/surveys/flow")
    console.get_by_label("Sites that may show the survey in a frame").fill(allowed.origin)
    console.get_by_role("button", name="Save the allowed sites").click()
    console.wait_for_load_state()
    snippet = console.locator("#embed-snippet").input_value()
    assert f'src="{live_server}/s/flow"' in snippet and f'"{live_server}"' in snippet
    console.locator("#reach").screenshot(path=str(shots / "reach-en-1280.png"))
    console.set_viewport_size({"width": 390, "height": 844})
    console.locator("#reach").screenshot(path=str(shots / "reach-en-390.png"))
    assert console.evaluate("document.documentElement.scrollWidth <= document.documentElement.clientWidth")
    console.close()

    allowed.html = other.html = snippet
    page = browser.new_page(viewport={"width": 390, "height": 844})
    page.goto(f"{allowed.origin}/?lang=en")
    survey = page.frame_locator("iframe#manyi-flow")
    survey.get_by_text("Overall, how satisfied are you?").wait_for()
    # the page told the site its height: the iframe grew past its 480 px minimum to the questions' height
    page.wait_for_function("document.getElementById('manyi-flow').getBoundingClientRect().height > 500")
    survey.locator("fieldset.question").first.locator("label.option").nth(8).click()
    survey.locator("fieldset.question").nth(1).locator("label.option").nth(1).click()
    survey.locator("button[name=nav][value=next]").click()
    survey.get_by_text("Which branch do you use?").wait_for()
    survey.get_by_text("South", exact=True).click()
    survey.locator("button[name=nav][value=next]").click()
    survey.get_by_text("How likely are you to recommend us?").wait_for()
    survey.locator("fieldset.question").first.locator("label.option").nth(9).click()
    page.screenshot(path=str(shots / "embedded-390.png"), full_page=True)
    survey.locator("button[name=nav][value=next]").click()
    survey.locator("h1").filter(has_text="Thank").wait_for()
    assert page.url.startswith(allowed.origin)  # answered in the frame, the site's page never left
    with app.app_context():
        [(status, code)] = db.session.execute(sa.select(Response.status, Unit.code)
                                              .join(Unit, Unit.id == Response.unit_id)).all()
    assert (status, code) == ("complete", "south")

    # a site the survey does not allow gets no survey in its frame (the browser refuses by frame-ancestors)
    refused = browser.new_page()
    errors: list[str] = []
    refused.on("console", lambda message: errors.append(message.text))
    refused.goto(f"{other.origin}/")
    refused.wait_for_timeout(1000)
    frame = next(frame for frame in refused.frames if frame != refused.main_frame)
    assert "Overall, how satisfied are you?" not in frame.content()
    assert frame.locator("form#survey-form").count() == 0
    assert any("frame-ancestors" in error for error in errors), errors
    refused.close()
    page.close()
