"""The whole round of invitations and reminders in a real browser, against a real SMTP server (aiosmtpd).

The manager imports two participants, previews the invitation and plans it (when the survey opens) with reminders
3 and 7 days after the opening, using the keyboard. The scheduler passes run as ``scheduler run`` runs them - due
jobs, then the queued mail - at times the test sets: no waiting on the clock. Both invitations arrive; the browser
follows A's link from A's message and answers; three days on, the reminder goes to B only; B unsubscribes with the
one-click POST (RFC 8058) of B's message, and the step on day 7 sends nobody anything. The mail page with its plan
is photographed at a phone's width in Chinese and a desktop's in English.
"""

from __future__ import annotations

import email
import email.policy
import os
import re
import socket
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path

from aiosmtpd.controller import Controller

from survey_app.extensions import db
from survey_app.scheduler import run_due
from survey_app.services.mail import send_queued
from survey_app.services.users import create_user
from tests.browser.conftest import sign_in

PASSWORD = "manager password 1"
SHOTS = os.environ.get("SCREENSHOTS")
#: the survey opened at T0; an opening in the past, so that the respondent's page (which reads the real clock) is
#: open, while the scheduler's passes run at T0 + n days, as the test says
T0 = datetime(2025, 3, 3, 9, 0, tzinfo=UTC)
PARTICIPANTS = ("email,name,language\n"
                "ann@example.com,Ann A,en\n"
                "bo@example.com,Bo B,en\n")


class Inbox:
    """An SMTP handler that keeps every message it accepts."""

    def __init__(self) -> None:
        self.received: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        return "250 OK queued"

    def to(self, address: str) -> list[email.message.EmailMessage]:
        return [m for m in self.received if str(m["To"]) == address]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _scheduler_pass(app, now: datetime) -> tuple[list[str], int]:
    """One pass of ``flask scheduler run`` at ``now``: the due jobs, then the queued mail."""
    with app.app_context():
        summary = run_due(now, "test-worker")
        sent = send_queued(now=lambda: now, sleep=lambda seconds: None)
        db.session.remove()
    assert not summary.failed and not summary.retried
    return summary.done, sent.sent


def _text(message: email.message.EmailMessage) -> str:
    return message.get_body(("plain",)).get_content()


def _answer_survey(page) -> None:
    """Answer every visible choice question with its first option, page by page, up to the thank-you page."""
    for _ in range(5):
        if "/thanks" in page.url:
            return
        for question in page.locator("fieldset.question:visible").all():
            question.locator("label.option").first.click()
        page.locator("button[name=nav][value=next]").click()
        page.wait_for_load_state()
    raise AssertionError(f"the survey did not finish: {page.url}")


def test_invitations_answer_reminder_unsubscribe_and_nothing_more(app, live_server, browser, make_survey,
                                                                  tmp_path: Path):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=_free_port())
    controller.start()
    try:
        _round(app, live_server, browser, make_survey, tmp_path, inbox,
               f"smtp://127.0.0.1:{controller.port}")
    finally:
        controller.stop()


def _round(app, live_server, browser, make_survey, tmp_path, inbox: Inbox, smtp_url: str) -> None:
    app.config.update(SMTP_URL=smtp_url, PUBLIC_BASE_URL=live_server, MAIL_RATE=1000)
    slug = make_survey("round", title={"zh": "门店调查", "en": "Store survey"}, opens_at=T0)
    with app.app_context():
        create_user("manager@example.com", PASSWORD, role="admin")
        db.session.commit()
    shots = Path(SHOTS) if SHOTS else tmp_path
    shots.mkdir(parents=True, exist_ok=True)

    desk = browser.new_context(viewport={"width": 1280, "height": 800})
    page = desk.new_page()
    _sign_in(page, live_server, "en")
    page.goto(f"{live_server}/admin/surveys/{slug}/mail")
    people = tmp_path / "people.csv"
    people.write_text(PARTICIPANTS, encoding="utf-8")
    page.locator("#participants-file").set_input_files(str(people))
    page.locator("#participants-file ~ button").click()
    page.wait_for_load_state()
    assert page.locator("#deliveries tbody tr").count() == 2
    page.locator("#preview-choices a", has_text="Invitation · English").click()
    assert page.locator("#preview-subject").inner_text() == "Invitation: Store survey"

    # the plan, by keyboard: a radio chosen with Space, the days typed, the form sent with Enter
    page.locator("#invite-1").focus()
    page.keyboard.press("Space")
    page.locator("#after_days").focus()
    page.keyboard.type("3, 7")
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert "#reminder-plan" in page.url
    assert page.locator(".flash-success").inner_text().startswith("Plan saved.")
    steps = page.locator("#plan-steps tbody tr")
    assert [steps.nth(i).locator("td").first.inner_text() for i in range(steps.count())] == [
        "Invitations", "Reminder 3 days after the opening", "Reminder 7 days after the opening"]
    assert steps.nth(1).locator("td").nth(1).inner_text().replace("\u202f", " ") == "Mar 6, 2025, 9:00:00 AM"
    assert page.locator("#plan-audience").inner_text().startswith("Reminders go only to people who have not")
    assert inbox.received == []  # nothing goes out before the scheduler runs

    # the opening: the invitations job queues both, the pass sends both
    done, sent = _scheduler_pass(app, T0)
    assert len(done) == 1 and done[0].endswith(":invitations") and sent == 2
    [to_a], [to_b] = inbox.to("ann@example.com"), inbox.to("bo@example.com")
    assert to_a["Subject"] == to_b["Subject"] == "Invitation: Store survey"
    assert to_b["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"

    # A follows the link of A's message and answers
    link = re.search(rf"{re.escape(live_server)}/s/{slug}/\S+", _text(to_a)).group(0)
    respondent = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    respondent.goto(link)
    _answer_survey(respondent)
    assert "/thanks" in respondent.url

    # day 3: the reminder goes to B, who has not answered, and not to A
    done, sent = _scheduler_pass(app, T0 + timedelta(days=3))
    assert [key.rsplit(":", 1)[1] for key in done] == ["after-3d"] and sent == 1
    assert len(inbox.to("ann@example.com")) == 1
    [_, reminder] = inbox.to("bo@example.com")
    assert reminder["Subject"] != to_b["Subject"] and "Store survey" in reminder["Subject"]

    # B unsubscribes with the one-click POST a mail provider sends: no session, no CSRF token
    unsubscribe = re.fullmatch(r"<(.+)>", reminder["List-Unsubscribe"]).group(1)
    assert unsubscribe.startswith(f"{live_server}/unsubscribe/")
    request = urllib.request.Request(unsubscribe, data=b"List-Unsubscribe=One-Click", method="POST",
                                     headers={"Content-Type": "application/x-www-form-urlencoded"})
    with urllib.request.urlopen(request) as reply:
        assert reply.status == 200

    # day 7: the step runs and sends nothing: A answered, B unsubscribed
    done, sent = _scheduler_pass(app, T0 + timedelta(days=7))
    assert [key.rsplit(":", 1)[1] for key in done] == ["after-7d"] and sent == 0
    assert len(inbox.received) == 3

    page.goto(f"{live_server}/admin/surveys/{slug}/mail")  # a new load (the URL with #reminder-plan is the same page)
    states = [steps.nth(i).locator("td").nth(2).inner_text() for i in range(steps.count())]
    assert states == ["done · 2 invitations sent", "done · 1 reminded", "done · 0 reminded"]
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#reminder-plan").screenshot(path=str(shots / "reminder-plan-en-1280.png"))
    page.screenshot(path=str(shots / "mail-plan-en-1280.png"), full_page=True)
    desk.close()

    phone = browser.new_context(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page = phone.new_page()
    _sign_in(page, live_server, "zh")
    page.goto(f"{live_server}/admin/surveys/{slug}/mail#reminder-plan")
    assert "已完成 · 已提醒 1 人" in page.locator("#plan-steps").inner_text()
    assert "开放后第 3 天提醒" in page.locator("#plan-steps").inner_text()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    page.locator("#reminder-plan").screenshot(path=str(shots / "reminder-plan-zh-390.png"))
    page.screenshot(path=str(shots / "mail-plan-zh-390.png"), full_page=True)
    phone.close()


def _sign_in(page, live_server: str, lang: str) -> None:
    sign_in(page, live_server, "manager@example.com", PASSWORD, lang)
    page.wait_for_url(f"{live_server}/admin/")
