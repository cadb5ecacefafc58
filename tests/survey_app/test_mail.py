"""Invitations and reminders by email, against a real SMTP server (aiosmtpd) started here, and the local outbox."""

from __future__ import annotations

import email
import email.policy
import io
import mailbox
import re
import socket
import subprocess
import threading
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from email.message import EmailMessage
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from openpyxl import Workbook

from survey_app.extensions import db
from survey_app.models import Invitation, MailMessage, Response, Survey
from survey_app.services.mail import queue_invitations, queue_reminders, send_queued
from survey_app.services.mail.transport import MaildirTransport, SmtpTransport
from survey_app.services.participants import import_participants
from tests.conftest import sign_in

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
USER, PASSWORD = "mailer", "s3cret pass"
PARTICIPANTS = (
    "email,name,unit,language,team\n"
    "ok@example.com,Ann Lee,north,en,blue\n"
    "later@example.com,李雷,south,zh,red\n"
    "gone@example.com,Bo,,en,blue\n"
    "drop@example.com,Cy,north,,green\n"
)


class Server:
    """An SMTP handler: accepts, answers 451 once, refuses with 550, or drops the connection once, by address."""

    def __init__(self) -> None:
        self.received: list[email.message.EmailMessage] = []
        self.logins: list[tuple[bytes, bytes]] = []
        self.tls: list[bool] = []
        self.deferred: set[str] = set()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address.startswith("gone@"):
            return "550 5.1.1 <gone@example.com>: mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        [address] = envelope.rcpt_tos
        if address.startswith("later@") and address not in self.deferred:
            self.deferred.add(address)
            return "451 4.3.0 mailbox busy, try again later"
        if address.startswith("drop@") and address not in self.deferred:
            self.deferred.add(address)
            server.transport.close()
            return "250 never read"
        self.received.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        self.tls.append(session.ssl is not None)
        return "250 OK queued"

    def authenticate(self, server, session, envelope, mechanism, auth_data):
        if isinstance(auth_data, LoginPassword):
            self.logins.append((auth_data.login, auth_data.password))
            return AuthResult(success=auth_data.login == USER.encode() and auth_data.password == PASSWORD.encode())
        return AuthResult(success=False)


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture
def smtp_server():
    handler = Server()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, authenticator=handler.authenticate,
                            auth_require_tls=False)
    controller.start()
    handler.url = f"smtp://{USER}:{PASSWORD.replace(' ', '%20')}@127.0.0.1:{port}"
    yield handler
    controller.stop()


@pytest.fixture
def mailed(app, client, make_survey):
    """An identified survey with four participants imported through the console, invitations queued there."""
    slug = make_survey("mailed", title={"zh": "门店调查", "en": "Store survey"})
    sign_in(app, client, "owner@example.com", "correct horse battery", token_name="t")
    upload = client.post(f"/admin/surveys/{slug}/participants",
                         data={"file": (io.BytesIO(PARTICIPANTS.encode()), "people.csv")})
    assert upload.status_code == 302
    assert client.post(f"/admin/surveys/{slug}/mail/invitations").status_code == 302
    _queued_at(app, T0)
    return slug


def _queued_at(app, moment: datetime) -> None:
    """The console queued at the real time: the tests' clock starts at ``moment``."""
    with app.app_context():
        db.session.execute(sa.update(MailMessage).values(next_attempt_at=moment, created_at=moment))
        db.session.commit()


def _run(app, **kwargs):
    with app.app_context():
        return send_queued(**kwargs)


def _statuses(app) -> dict[str, tuple[str, int, str | None]]:
    with app.app_context():
        rows = db.session.execute(sa.select(Invitation.email, MailMessage.status, MailMessage.attempts,
                                            MailMessage.last_error).join(MailMessage.__table__,
                                            MailMessage.invitation_id == Invitation.id)
                                  .where(MailMessage.kind == "invitation")).all()
    return {r.email: (r.status, r.attempts, r.last_error) for r in rows}


def test_invitations_go_through_smtp_with_retries_give_up_and_no_duplicate(app, client, mailed, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url, MAIL_RATE=4, MAIL_RETRY_SECONDS=60)
    pauses: list[float] = []
    ticks = iter([0.0, 0.1, 0.25, 0.35, 0.6, 1.0, 1.4])  # when each message starts and each pause is measured
    first = _run(app, now=lambda: T0, sleep=pauses.append, clock=lambda: next(ticks))
    assert (first.sent, first.deferred, first.failed) == (1, 2, 1)
    # paced at four a second: each pause is what is left of the quarter second after the message's own time;
    # none after a message that took longer than that
    assert pauses == pytest.approx([0.15, 0.15])
    assert smtp_server.logins and set(smtp_server.logins) == {(USER.encode(), PASSWORD.encode())}
    statuses = _statuses(app)
    assert statuses["ok@example.com"] == ("sent", 1, None)
    assert statuses["gone@example.com"][:2] == ("failed", 1)
    assert statuses["gone@example.com"][2].startswith("550 5.1.1")
    assert statuses["later@example.com"][:2] == ("queued", 1)
    assert statuses["later@example.com"][2].startswith("451 4.3.0 mailbox busy")
    assert statuses["drop@example.com"][:2] == ("queued", 1)
    assert "connection" in statuses["drop@example.com"][2]

    # not due yet: the same moment sends nothing again
    assert _run(app, now=lambda: T0 + timedelta(seconds=30), sleep=pauses.append).sent == 0
    second = _run(app, now=lambda: T0 + timedelta(seconds=61), sleep=pauses.append)
    assert (second.sent, second.deferred, second.failed) == (2, 0, 0)
    assert _run(app, now=lambda: T0 + timedelta(days=1), sleep=pauses.append).sent == 0
    assert Counter(str(m["To"]) for m in smtp_server.received) == {
        "ok@example.com": 1, "later@example.com": 1, "drop@example.com": 1}
    assert {e: s[0] for e, s in _statuses(app).items()} == {
        "ok@example.com": "sent", "later@example.com": "sent", "drop@example.com": "sent", "gone@example.com": "failed"}

    # the console shows the delivery, and the server's reply for the one given up
    page = client.get(f"/admin/surveys/{mailed}/mail").get_data(as_text=True)
    assert "550 5.1.1" in page and "gone@example.com" in page


def test_the_message_has_both_parts_the_headers_a_working_link_and_one_click_unsubscribe(app, client, mailed,
                                                                                          smtp_server):
    app.config.update(SMTP_URL=smtp_server.url)
    _run(app, now=lambda: T0, sleep=lambda s: None)
    [message] = [m for m in smtp_server.received if str(m["To"]) == "ok@example.com"]
    assert message.get_content_type() == "multipart/alternative"
    assert message["Subject"] == "Invitation: Store survey"
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Dear Ann Lee," in text and "Your unit: North" in text
    link = re.search(r"http://127\.0\.0\.1:5000(/s/mailed/\S+)", text).group(1)
    assert f'href="http://127.0.0.1:5000{link}"' in html and "Ann Lee" in html
    unsubscribe = re.fullmatch(r"<http://127\.0\.0\.1:5000(/unsubscribe/\d+/\S+)>", message["List-Unsubscribe"])
    assert unsubscribe and unsubscribe.group(1) in text

    client.post("/admin/logout")
    opened = client.get(link, follow_redirects=True)
    assert opened.status_code == 200
    assert "门店调查" in opened.get_data(as_text=True) and 'name="submission_key"' in opened.get_data(as_text=True)

    # a mail provider's one-click POST: no session, no CSRF token
    app.config["WTF_CSRF_ENABLED"] = True
    path = unsubscribe.group(1)
    assert client.get(path).status_code == 200  # asks to confirm, changes nothing
    with app.app_context():
        assert db.session.scalar(sa.select(Invitation.unsubscribed_at).filter_by(email="ok@example.com")) is None
    assert client.post(path[:-3] + "AAA", data={"List-Unsubscribe": "One-Click"}).status_code == 404
    done = client.post(path, data={"List-Unsubscribe": "One-Click"})
    assert done.status_code == 200 and 'id="unsubscribed"' in done.get_data(as_text=True)
    assert _run(app, now=lambda: T0 + timedelta(hours=1), sleep=lambda s: None).sent == 2  # later@, drop@
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="mailed"))
        assert queue_reminders(survey, "first", now=T0 + timedelta(hours=2)) == 2  # not ok@: unsubscribed
        db.session.commit()
    assert _run(app, now=lambda: T0 + timedelta(hours=2), sleep=lambda s: None).sent == 2
    to_ok = [m for m in smtp_server.received if str(m["To"]) == "ok@example.com"]
    assert len(to_ok) == 1  # the invitation only, no reminder after unsubscribing


def test_reminders_once_per_step_never_to_completed_or_unsubscribed(app, client, mailed, smtp_server):
    app.config.update(SMTP_URL=smtp_server.url)
    _run(app, now=lambda: T0, sleep=lambda s: None)
    _run(app, now=lambda: T0 + timedelta(hours=1), sleep=lambda s: None)
    with app.app_context():
        done = db.session.scalar(sa.select(Invitation).filter_by(email="later@example.com"))
        done.used_at = T0
        db.session.commit()
    assert client.post(f"/admin/surveys/{mailed}/mail/reminders", data={"step": "first"}).status_code == 302
    _queued_at(app, T0 + timedelta(hours=2))
    sent = _run(app, now=lambda: T0 + timedelta(hours=2), sleep=lambda s: None)
    reminded = [str(m["To"]) for m in smtp_server.received if str(m["Subject"]).startswith(("Reminder", "提醒"))]
    # ok@ and drop@ had the invitation and did not answer; later@ answered; gone@ was never invited
    assert sorted(reminded) == ["drop@example.com", "ok@example.com"] and sent.sent == 2
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug="mailed"))
        assert queue_reminders(survey, "first", now=T0) == 0
        ok = db.session.scalar(sa.select(Invitation).filter_by(email="ok@example.com"))
        db.session.add(MailMessage(survey_id=survey.id, invitation_id=ok.id, kind="reminder", step="first"))
        with pytest.raises(sa.exc.IntegrityError):
            db.session.flush()
        db.session.rollback()
        assert queue_reminders(survey, "second", now=T0) == 2
        db.session.commit()


def test_starttls_when_the_server_offers_it(app, client, mailed, tmp_path: Path):
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key), "-out",
                    str(cert), "-days", "2", "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"],
                   check=True, capture_output=True)
    import ssl

    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    server_context.load_cert_chain(cert, key)
    handler = Server()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port, tls_context=server_context,
                            require_starttls=True, authenticator=handler.authenticate)
    controller.start()
    try:
        client_context = ssl.create_default_context(cafile=str(cert))
        transport = SmtpTransport(f"smtp://{USER}:{PASSWORD}@127.0.0.1:{port}", context=client_context)
        result = _run(app, now=lambda: T0, sleep=lambda s: None, transport=transport)
    finally:
        controller.stop()
    # a new connection after each failure: each one upgraded to TLS before logging in
    assert result.sent == 1 and handler.tls == [True]
    assert len(handler.logins) == 3 and set(handler.logins) == {(USER.encode(), PASSWORD.encode())}


def test_without_smtp_url_messages_go_to_the_outbox_the_console_shows(app, client, mailed, runner, tmp_path):
    app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"), MAIL_RATE=1000)
    empty = client.get(f"/admin/surveys/{mailed}/mail").get_data(as_text=True)
    assert 'id="outbox-empty"' in empty and 'id="preview-text"' in empty
    result = runner.invoke(args=["mail", "send"])
    assert result.exit_code == 0 and "sent 4, to retry 0, failed 0" in result.output
    assert runner.invoke(args=["mail", "send"]).output.startswith("sent 0")
    page = client.get(f"/admin/surveys/{mailed}/mail").get_data(as_text=True)
    keys = re.findall(rf'href="/admin/surveys/{mailed}/mail/outbox/([^"]+)"', page)
    assert len(keys) == 4 and "邀请：门店调查" in page  # 李雷 asked for Chinese
    shown = client.get(f"/admin/surveys/{mailed}/mail/outbox/{keys[0]}").get_data(as_text=True)
    assert "List-Unsubscribe=One-Click" in shown and "/s/mailed/" in shown and "srcdoc=" in shown
    assert client.get(f"/admin/surveys/{mailed}/mail/outbox/nope").status_code == 404


def test_preview_in_each_language_before_sending(app, client, mailed):
    en = client.get(f"/admin/surveys/{mailed}/mail?kind=reminder&language=en").get_data(as_text=True)
    assert "Reminder: Store survey" in en and "Dear Ann Lee," in en and "/s/mailed/" in en
    zh = client.get(f"/admin/surveys/{mailed}/mail?kind=invitation&language=zh").get_data(as_text=True)
    assert "邀请：门店调查" in zh and "Ann Lee，您好" in zh and "您的单元：北区" in zh
    assert client.get(f"/admin/surveys/{mailed}/mail?kind=other&language=en").status_code == 404


def test_participants_from_excel_keep_attributes_and_refuse_bad_rows(app, client, make_survey):
    slug = make_survey("excel")
    sign_in(app, client, "owner@example.com", "correct horse battery", token_name="t")
    book = Workbook()
    sheet = book.active
    sheet.append(["邮箱", "姓名", "unit", "语言", "工号"])
    sheet.append(["a@example.com", "王芳", "south", "zh", 1042])
    buffer = io.BytesIO()
    book.save(buffer)
    client.post(f"/admin/surveys/{slug}/participants", data={"file": (io.BytesIO(buffer.getvalue()), "p.xlsx")})
    bad = client.post(f"/admin/surveys/{slug}/participants", follow_redirects=True,
                      data={"file": (io.BytesIO(b"email,language\nnot-an-address,en\n"), "p.csv")})
    assert "第 2 行：“not-an-address” 不是电子邮件地址" in bad.get_data(as_text=True)
    with app.app_context():
        [invitation] = db.session.scalars(sa.select(Invitation)).all()
        assert (invitation.email, invitation.name, invitation.language, invitation.attributes) == (
            "a@example.com", "王芳", "zh", {"工号": "1042"})


def test_anonymous_survey_mails_links_but_keeps_no_link_to_the_response(app, client, make_survey, tmp_path):
    slug = make_survey("anon-mail", anonymous=True)
    sign_in(app, client, "owner@example.com", "correct horse battery", token_name="t")
    client.post(f"/admin/surveys/{slug}/participants",
                data={"file": (io.BytesIO(b"email\nx@example.com\ny@example.com\n"), "p.csv")})
    client.post(f"/admin/surveys/{slug}/mail/invitations")
    _queued_at(app, T0)
    app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"))
    assert _run(app, now=lambda: T0, sleep=lambda s: None).sent == 2
    with app.app_context():
        assert db.session.scalars(sa.select(Invitation.external_ref)).all() == [None, None]
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        db.session.scalar(sa.select(Invitation).filter_by(email="x@example.com")).used_at = survey.created_at
        # who answered is not looked at: the reminder goes to both, and says to ignore it when answered
        assert queue_reminders(survey, "first", now=T0) == 2
        assert queue_invitations(survey, now=T0) == 0
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Response)
                                 .where(Response.invitation_id.is_not(None))) == 0


def test_the_console_sends_in_the_background_when_nothing_else_does(app, client, make_survey, tmp_path):
    from survey_app.services.mail import background

    slug = make_survey("background")
    sign_in(app, client, "owner@example.com", "correct horse battery", token_name="t")
    client.post(f"/admin/surveys/{slug}/participants", data={"file": (io.BytesIO(b"email\nz@example.com\n"), "p.csv")})
    app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"), MAIL_SEND_IN_BACKGROUND=True)
    client.post(f"/admin/surveys/{slug}/mail/invitations")
    assert background._running.acquire(timeout=30)  # held by the sending thread until it is done
    background._running.release()
    page = client.get(f"/admin/surveys/{slug}/mail").get_data(as_text=True)
    assert "z@example.com" in page and len(re.findall(r"/mail/outbox/", page)) == 1
    assert _statuses(app) == {"z@example.com": ("sent", 1, None)}


def test_a_scheduled_reminder_step_queues_the_mail_and_sends_it_once(app, client, mailed, smtp_server):
    from survey_app.scheduler import run_due
    from survey_app.scheduler.reminders import set_plan

    app.config.update(SMTP_URL=smtp_server.url)
    _run(app, now=lambda: T0, sleep=lambda s: None)
    _run(app, now=lambda: T0 + timedelta(hours=1), sleep=lambda s: None)
    with app.app_context():
        db.session.scalar(sa.select(Invitation).filter_by(email="later@example.com")).used_at = T0
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=mailed))
        set_plan(survey, on_open=False, after_days=[2], before_close_days=[], now=T0)
        db.session.commit()
        assert run_due(T0 + timedelta(days=1), "w1").done == []  # not due yet
        ran = run_due(T0 + timedelta(days=3), "w1")
        assert len(ran.done) == 1
        assert run_due(T0 + timedelta(days=3, hours=1), "w2").done == []  # the step runs once
    sent = _run(app, now=lambda: T0 + timedelta(days=3), sleep=lambda s: None)
    reminded = [str(m["To"]) for m in smtp_server.received if str(m["Subject"]).startswith(("Reminder", "提醒"))]
    assert sorted(reminded) == ["drop@example.com", "ok@example.com"] and sent.sent == 2
    assert _run(app, now=lambda: T0 + timedelta(days=4), sleep=lambda s: None).sent == 0


class _SlowRecorder:
    """A transport that takes a moment per message and notes who got what (shared by the senders of a test)."""

    def __init__(self, sent: list[str], lock) -> None:
        self.sent, self.lock = sent, lock

    def send(self, message, *, folder: str) -> None:
        time.sleep(0.01)  # both senders are busy at once: each reads the queue while the other one sends
        with self.lock:
            self.sent.append(message["To"])

    def close(self) -> None:
        pass


def test_two_senders_at_once_never_send_a_message_twice(app, make_survey):
    """Two senders (two app workers, or a worker and the scheduler) on one queue: each message goes once, on
    SQLite (no row locks) as on PostgreSQL."""
    app.config.update(MAIL_RATE=1000)
    slug = make_survey("twice")
    people = "email\n" + "".join(f"p{k}@example.com\n" for k in range(30))
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        import_participants(survey, people.encode())
        queue_invitations(survey, now=T0)
        db.session.commit()
    sent: list[str] = []
    lock = threading.Lock()
    results = []

    def sender() -> None:
        with app.app_context():
            results.append(send_queued(now=lambda: T0, sleep=lambda s: None, transport=_SlowRecorder(sent, lock)))

    threads = [threading.Thread(target=sender) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert sorted(sent) == sorted(f"p{k}@example.com" for k in range(30)) and len(set(sent)) == 30
    assert sum(result.sent for result in results) == 30 and all(result.sent for result in results)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage)
                                 .where(MailMessage.status == "sent")) == 30


def test_a_sender_that_dies_leaves_its_message_to_the_next_once_the_claim_ends(app, make_survey):
    """A message taken by a sender that never recorded the outcome is sent by a later run after the claim."""
    app.config.update(MAIL_RATE=1000, MAIL_CLAIM_SECONDS=600)
    slug = make_survey("dies")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        import_participants(survey, b"email\nlost@example.com\n")
        queue_invitations(survey, now=T0)
        db.session.commit()

    class Dying:
        def send(self, message, *, folder):
            raise KeyboardInterrupt  # the process is killed while sending

        def close(self):
            pass

    with app.app_context(), pytest.raises(KeyboardInterrupt):
        send_queued(now=lambda: T0, sleep=lambda s: None, transport=Dying())
    sent: list[str] = []
    recorder = _SlowRecorder(sent, threading.Lock())
    with app.app_context():
        db.session.rollback()
        assert send_queued(now=lambda: T0 + timedelta(seconds=599), sleep=lambda s: None,
                           transport=recorder).sent == 0
        assert send_queued(now=lambda: T0 + timedelta(seconds=601), sleep=lambda s: None,
                           transport=recorder).sent == 1
    assert sent == ["lost@example.com"]


def test_scheduler_once_also_sends_the_mail_that_is_queued(app, runner, make_survey, tmp_path):
    """`scheduler once` (cron) runs the due jobs and sends what they or the console queued."""
    app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"), MAIL_RATE=1000)
    slug = make_survey("cron")
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        import_participants(survey, b"email\ncron@example.com\n")
        queue_invitations(survey, now=T0)
        db.session.commit()
    result = runner.invoke(args=["scheduler", "once", "--now", (T0 + timedelta(minutes=1)).isoformat()])
    assert result.exit_code == 0, result.output
    assert "mail: 1 sent, 0 deferred, 0 failed" in result.output
    [message] = list(mailbox.Maildir(tmp_path / "outbox").get_folder(slug))
    assert message["To"] == "cron@example.com"


def test_the_mail_page_is_in_the_consoles_language_whatever_the_preview(app, client, mailed):
    """Previewing the Chinese message in the English console: the page stays English (``<html lang>``), the
    preview is marked Chinese."""
    page = client.get(f"/admin/surveys/{mailed}/mail?lang=en&language=zh").get_data(as_text=True)
    assert '<html lang="en">' in page
    assert 'id="preview-subject" lang="zh-CN"' in page


def test_senders_making_the_same_outbox_folder_at_once_all_deliver(tmp_path):
    """Several threads (console messages, the survey sender) making one new outbox folder at the same moment:
    every message lands (``mailbox``'s own folder creation raised FileExistsError for all but one)."""
    root = tmp_path / "outbox"
    start = threading.Barrier(8)
    failures: list[BaseException] = []

    def deliver(k: int) -> None:
        message = EmailMessage()
        message["To"], message["Subject"] = f"p{k}@example.com", "hello"
        start.wait()
        try:
            MaildirTransport(root).send(message, folder="accounts")
        except BaseException as exc:  # noqa: BLE001 - collected for the assertion below
            failures.append(exc)

    threads = [threading.Thread(target=deliver, args=(k,)) for k in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not failures
    assert sorted(m["To"] for m in mailbox.Maildir(root).get_folder("accounts")) == sorted(
        f"p{k}@example.com" for k in range(8))
