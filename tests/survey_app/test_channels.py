"""Other channels (services.channels): the short texts, their export, and the survey's signed webhook fed by the
same sender as the mail, against a real HTTP server started here (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import email
import email.policy
import hashlib
import hmac
import io
import json
import re
import socket
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from survey_app.extensions import db
from survey_app.models import Invitation, MailMessage, Survey, SurveyChannels
from survey_app.services.channels.texts import GSM_BASIC, SHORT_TEXTS, measure, short_text
from survey_app.services.mail import queue_invitations, queue_reminders, send_queued
from survey_app.services.mail.compose import VARIABLES
from survey_app.services.mail.transport import MaildirTransport
from survey_app.services.message_values import MessageValues
from tests.conftest import sign_in

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PARTICIPANTS = (
    "email,name,unit,language,phone\n"
    "ok@example.com,Ann Lee,north,en,+8613800000001\n"
    "later@example.com,李雷,south,zh,+8613800000002\n"
    "bad@example.com,Bo,,en,+cmd|' /C calc'!A0\n"
    "slow@example.com,=HYPERLINK(\"http://x\"),north,,+8613800000004\n"
)
LINK = re.compile(r"http://127\.0\.0\.1:5000/s/[\w-]+/[\w-]+")


class Receiver:
    """The requests received, and a list of statuses per recipient address (the last one repeats)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: dict[str, list[int]] = {}
        self.slow: set[str] = set()
        self.release = threading.Event()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    state = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            to = json.loads(body)["recipient"]["email"]
            state.requests.append({"headers": dict(self.headers), "body": body, "to": to})
            if to in state.slow:
                state.slow.discard(to)
                state.release.wait(10)
            statuses = state.answers.get(to, [200])
            status = statuses.pop(0) if len(statuses) > 1 else statuses[0]
            try:
                self.send_response(status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok" if status < 400 else b"no")
            except BrokenPipeError:  # the sender timed out and left
                pass

        def log_message(self, *args) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, daemon=True).start()
    state.url = f"http://127.0.0.1:{server.server_address[1]}/manyi"
    yield state
    state.release.set()
    server.shutdown()
    server.server_close()


def _upload(client, slug: str, text: str = PARTICIPANTS) -> None:
    reply = client.post(f"/admin/surveys/{slug}/participants", data={"file": (io.BytesIO(text.encode()), "p.csv")})
    assert reply.status_code == 302


def _configure(client, slug: str, url: str, channel: str = "both", **extra) -> str:
    """Save the channels in the console; returns the secret page's text."""
    reply = client.post(f"/admin/surveys/{slug}/mail/channels",
                        data={"channel": channel, "webhook_url": url, **extra})
    return reply.get_data(as_text=True)


def _secret(page: str) -> str:
    return re.search(r'id="webhook-secret-value"[^>]*>(whsec_[\w-]+)<', page).group(1)


def _send(app, tmp_path, moment: datetime):
    with app.app_context():
        return send_queued(now=lambda: moment, sleep=lambda s: None, transport=MaildirTransport(tmp_path / "out"))


def _messages(app, channel: str) -> dict[str, tuple[str, int, str | None, str]]:
    with app.app_context():
        rows = db.session.execute(
            sa.select(Invitation.email, MailMessage.status, MailMessage.attempts, MailMessage.last_error,
                      MailMessage.kind).join(MailMessage, MailMessage.invitation_id == Invitation.id)
            .where(MailMessage.channel == channel).order_by(MailMessage.id)).all()
    return {r.email: (r.status, r.attempts, r.last_error, r.kind) for r in rows}


def _queued_at(app, moment: datetime) -> None:
    with app.app_context():
        db.session.execute(sa.update(MailMessage).where(MailMessage.status == "queued")
                           .values(next_attempt_at=moment, created_at=moment))
        db.session.commit()


@pytest.fixture
def hooked(app, client, make_survey, receiver):
    """An identified survey closing 2026-12-20, four participants, email and webhook; the secret made."""
    slug = make_survey("hooked", title={"zh": "门店调查", "en": "Store survey"}, closes_at=datetime(2026, 12, 20,
                                                                                                  tzinfo=UTC))
    sign_in(app, client, "owner@example.com", "correct horse battery", token_name="t")
    client.get("/admin/?lang=en")  # the console in English (remembered for the visit)
    _upload(client, slug)
    page = _configure(client, slug, receiver.url)
    app.config.update(MAIL_RETRY_SECONDS=60, WEBHOOK_TIMEOUT=0.5)
    return {"slug": slug, "secret": _secret(page)}


# -- the short texts ---------------------------------------------------------------------------------------------


def test_every_variable_is_decided_in_one_place_and_each_template_uses_only_those():
    allowed = {*VARIABLES, "survey"}
    for kind, languages in SHORT_TEXTS.items():
        for lang, templates in languages.items():
            for template in templates:
                assert set(re.findall(r"{(\w+)}", template)) <= allowed, template
                assert "{link}" in template and "{survey}" in template
            # a survey with no deadline and an invitee with no name still have a template, with and without
            bare = [set(re.findall(r"{(\w+)}", t)) for t in templates if "{name}" not in t]
            assert {"survey", "link"} in bare and {"survey", "link", "deadline"} in bare, (kind, lang)
            if lang == "en":  # an English text stays in the GSM alphabet (no curly quotes, no "…")
                assert all(set(t.replace("{", "").replace("}", "")) <= GSM_BASIC for t in templates)


def test_values_of_the_variables(app, client, hooked):
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=hooked["slug"]))
        invitation = db.session.scalar(sa.select(Invitation).filter_by(email="later@example.com"))
        values = MessageValues(survey)(invitation, "zh")
    assert tuple(values) == VARIABLES
    assert values["name"] == "李雷" and values["unit"] == "南区" and values["deadline"] == "2026-12-20"
    assert LINK.fullmatch(values["link"])


def test_sms_length_by_encoding():
    assert (measure("a" * 160).encoding, measure("a" * 160).parts) == ("GSM-7", 1)
    assert measure("a" * 161).parts == 2 and measure("a" * 306).parts == 2 and measure("a" * 307).parts == 3
    assert measure("€" * 80).length == 160 and measure("€" * 81).parts == 2  # extension characters take two
    assert (measure("调" * 70).encoding, measure("调" * 70).parts) == ("UCS-2", 1)
    assert measure("调" * 71).parts == 2 and measure("调" * 134).parts == 2 and measure("调" * 135).parts == 3
    assert measure("a" * 60 + "调").encoding == "UCS-2"  # one Chinese character makes the whole text UCS-2
    assert measure("😀").length == 2  # outside the BMP: two UTF-16 code units


def test_short_texts_fit_one_sms_where_they_can_and_say_what_they_cost_when_not():
    link = "https://survey.example.com/s/store-2026/" + "A" * 43
    values = {"name": "Ann Lee", "unit": None, "deadline": "2026-12-31", "link": link}
    fitted = short_text("invitation", "en", survey="Store survey", values=values)
    assert fitted.text == f'Ann Lee, please answer the survey "Store survey" by 2026-12-31: {link}'  # the fullest: 169
    assert (fitted.encoding, fitted.length, fitted.parts) == ("GSM-7", 147, 1)
    fullest = short_text("invitation", "en", survey="Store survey", values={**values, "link": "https://s.cn/x"})
    assert fullest.text == 'Hello Ann Lee, you are invited to answer the survey "Store survey" by 2026-12-31: https://s.cn/x'
    # too long with the name: the name goes first, then the title is shortened; the link and deadline stay
    long_title = "Customer satisfaction with our stores, their staff and their opening hours in 2026"
    cut = short_text("invitation", "en", survey=long_title, values=values)
    assert cut.parts == 1 and cut.length <= 160 and cut.text.endswith(f'..." by 2026-12-31: {link}')
    assert cut.text.startswith('Please answer the survey "Customer satisfaction')
    # Chinese: the link alone takes more than half of a 70-character SMS; the fullest text of the fewest parts
    zh = short_text("invitation", "zh", survey="门店满意度调查", values={**values, "name": "李雷"})
    assert zh.text == f"李雷您好，诚邀您参加调查“门店满意度调查”，请于2026-12-31前作答：{link}"
    assert (zh.encoding, zh.parts) == ("UCS-2", 2)
    no_deadline = short_text("reminder", "zh", survey="门店调查", values={**values, "deadline": None, "name": None})
    assert no_deadline.text == f"提醒：如尚未回答调查“门店调查”，请点击：{link}"
    with pytest.raises(ValueError, match="kind must be one of"):
        short_text("other", "en", survey="x", values=values)


# -- the webhook -------------------------------------------------------------------------------------------------


def test_each_message_is_posted_signed_retried_on_5xx_and_timeouts_and_given_up_on_4xx(app, client, hooked,
                                                                                       receiver, tmp_path):
    receiver.answers = {"later@example.com": [500, 200], "bad@example.com": [400]}
    receiver.slow = {"slow@example.com"}
    assert client.post(f"/admin/surveys/{hooked['slug']}/mail/invitations").status_code == 302
    _queued_at(app, T0)
    first = _send(app, tmp_path, T0)
    # four emails to the outbox; four posts: one sent, 500 and a timeout tried again, 400 given up
    assert (first.sent, first.deferred, first.failed) == (5, 2, 1)
    hooks = _messages(app, "webhook")
    assert hooks["ok@example.com"][:2] == ("sent", 1)
    assert hooks["later@example.com"][:3] == ("queued", 1, "500 Internal Server Error no")
    assert hooks["slow@example.com"][:3] == ("queued", 1, "timed out after 0.5 s")
    assert hooks["bad@example.com"][:3] == ("failed", 1, "400 Bad Request no")
    assert {e: m[0] for e, m in _messages(app, "email").items()} == dict.fromkeys(
        ("ok@example.com", "later@example.com", "bad@example.com", "slow@example.com"), "sent")

    receiver.release.set()
    assert _send(app, tmp_path, T0 + timedelta(seconds=59)).sent == 0  # backoff: not due before a minute
    second = _send(app, tmp_path, T0 + timedelta(seconds=61))
    assert (second.sent, second.deferred, second.failed) == (2, 0, 0)
    assert _send(app, tmp_path, T0 + timedelta(days=1)).sent == 0
    assert [r["to"] for r in receiver.requests].count("bad@example.com") == 1  # a 4xx is never tried again

    # every request is signed over "<t>.<body>" with the secret shown once; the id stays the same on retries
    ids: dict[str, set[str]] = {}
    for request in receiver.requests:
        header = request["headers"]["Manyi-Signature"]
        stamp = re.fullmatch(r"t=(\d+),v1=([0-9a-f]{64})", header)
        expected = hmac.new(hooked["secret"].encode(), stamp.group(1).encode() + b"." + request["body"],
                            hashlib.sha256).hexdigest()
        assert stamp.group(2) == expected
        body = json.loads(request["body"])
        assert body["id"] == request["headers"]["Manyi-Webhook-Id"] == request["headers"]["Idempotency-Key"]
        ids.setdefault(request["to"], set()).add(body["id"])
    assert all(len(found) == 1 for found in ids.values()) and len({i for f in ids.values() for i in f}) == 4
    stamps = [int(r["headers"]["Manyi-Signature"][2:12]) for r in receiver.requests]
    assert stamps[0] == int(T0.timestamp()) and stamps[-1] == int((T0 + timedelta(seconds=61)).timestamp())

    lei = json.loads(next(r["body"] for r in receiver.requests if r["to"] == "later@example.com"))
    assert {k: v for k, v in lei.items() if k not in ("id", "text", "link")} == {
        "event": "message", "survey": {"slug": "hooked", "title": "门店调查"}, "kind": "invitation", "step": "",
        "recipient": {"ref": "later@example.com", "email": "later@example.com", "name": "李雷", "unit": "south",
                      "unit_name": "南区", "language": "zh", "attributes": {"phone": "+8613800000002"}},
        "sms": {"encoding": "UCS-2", "length": len(lei["text"]), "parts": 2}, "deadline": "2026-12-20"}
    assert lei["text"] == f"李雷您好，诚邀您参加调查“门店调查”，请于2026-12-20前作答：{lei['link']}"
    # the same personal link as the email's
    mailed = [email.message_from_bytes(p.read_bytes(), policy=email.policy.default)
              for p in (tmp_path / "out").rglob("*") if p.is_file()]
    [to_lei] = [m for m in mailed if str(m["To"]) == "later@example.com"]
    assert lei["link"] in to_lei.get_body(("plain",)).get_content() and LINK.fullmatch(lei["link"])

    page = client.get(f"/admin/surveys/{hooked['slug']}/mail").get_data(as_text=True)
    counts = re.search(r'id="channel-counts">(.*?)</p>', page, re.S).group(1)
    assert re.search(r"Webhook: queued 0 · sent 3 · failed 1", counts)
    assert re.search(r"Email: queued 0 · sent 4 · failed 0", counts)
    assert re.search(r'id="delivery-counts">queued: 0 · sent: 4 · failed: 0<', page)  # the mail's own: emails
    assert hooked["secret"] not in page  # shown once, on the page after saving


def test_webhook_only_reminders_follow_the_mail_rule(app, client, hooked, receiver, tmp_path):
    _configure(client, hooked["slug"], receiver.url, channel="webhook")
    client.post(f"/admin/surveys/{hooked['slug']}/mail/invitations")
    _queued_at(app, T0)
    assert _send(app, tmp_path, T0).sent == 4 and _messages(app, "email") == {}
    with app.app_context():
        db.session.scalar(sa.select(Invitation).filter_by(email="later@example.com")).used_at = T0
        db.session.commit()
    client.post(f"/admin/surveys/{hooked['slug']}/mail/reminders", data={"step": "first"})
    _queued_at(app, T0 + timedelta(hours=1))
    assert _send(app, tmp_path, T0 + timedelta(hours=1)).sent == 3
    reminded = sorted(json.loads(r["body"])["recipient"]["email"] for r in receiver.requests
                      if json.loads(r["body"])["kind"] == "reminder")
    assert reminded == ["bad@example.com", "ok@example.com", "slow@example.com"]  # not later@: answered
    step = {json.loads(r["body"])["step"] for r in receiver.requests if json.loads(r["body"])["kind"] == "reminder"}
    assert step == {"first"}


def test_a_message_queued_for_a_webhook_switched_off_is_given_up(app, client, hooked, receiver, tmp_path):
    client.post(f"/admin/surveys/{hooked['slug']}/mail/invitations")
    _queued_at(app, T0)
    _configure(client, hooked["slug"], "", channel="email")
    result = _send(app, tmp_path, T0)
    assert (result.sent, result.failed) == (4, 4) and receiver.requests == []
    assert {m[2] for m in _messages(app, "webhook").values()} == {"the survey no longer sends to a webhook"}
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=hooked["slug"]))
        assert queue_invitations(survey, now=T0) == 0  # email only now: each has had theirs


def test_an_address_that_turned_private_is_refused_when_sending(app, client, hooked, receiver, tmp_path):
    client.post(f"/admin/surveys/{hooked['slug']}/mail/invitations")
    _queued_at(app, T0)
    with app.app_context():  # e.g. saved while a name pointed elsewhere; checked again at every post
        db.session.get(SurveyChannels, db.session.scalar(sa.select(Survey.id).filter_by(slug=hooked["slug"]))
                       ).webhook_url = "https://192.168.1.20/hook"
        db.session.commit()
    _send(app, tmp_path, T0)
    assert {m[0] for m in _messages(app, "webhook").values()} == {"failed"}
    assert all("private or local network" in m[2] for m in _messages(app, "webhook").values())
    assert receiver.requests == []


def test_the_console_refuses_private_and_plain_addresses_and_keeps_the_secret(app, client, hooked, receiver):
    slug = hooked["slug"]
    for url, reason in (("https://10.0.0.5/hook", "private or local network"), ("http://example.com/", "https://"),
                        ("https://169.254.169.254/", "private or local network"), ("", "needs its address")):
        page = client.post(f"/admin/surveys/{slug}/mail/channels", data={"channel": "webhook", "webhook_url": url},
                           follow_redirects=True).get_data(as_text=True)
        assert "Channels not saved" in page and reason in page, url
    with app.app_context():
        settings = db.session.scalar(sa.select(SurveyChannels))
        assert (settings.channel, settings.webhook_url, settings.webhook_secret) == (
            "both", receiver.url, hooked["secret"])
    # saved again without a new secret: the secret stays, nothing is shown
    saved = client.post(f"/admin/surveys/{slug}/mail/channels", data={"channel": "webhook", "webhook_url":
                                                                      receiver.url}, follow_redirects=True)
    assert "Channels saved." in saved.get_data(as_text=True) and "whsec_" not in saved.get_data(as_text=True)
    renewed = _configure(client, slug, receiver.url, channel="webhook", new_secret="1")
    assert _secret(renewed) != hooked["secret"]
    given = client.post(f"/admin/surveys/{slug}/mail/channels", data={
        "channel": "webhook", "webhook_url": receiver.url, "webhook_secret": "my own secret"},
        follow_redirects=True).get_data(as_text=True)
    assert "Channels not saved" in given and "without spaces" in given
    client.post(f"/admin/surveys/{slug}/mail/channels", data={
        "channel": "webhook", "webhook_url": receiver.url, "webhook_secret": "my-own-secret-of-32-characters!!"})
    with app.app_context():
        assert db.session.scalar(sa.select(SurveyChannels.webhook_secret)) == "my-own-secret-of-32-characters!!"
    assert client.post(f"/admin/surveys/{slug}/mail/channels", data={"channel": "pigeon", "webhook_url": ""},
                       follow_redirects=True).status_code == 200
    # back to email alone while the webhook's host is down: saved, the address kept (and checked when used again)
    client.post(f"/admin/surveys/{slug}/mail/channels", data={"channel": "email", "webhook_url": "https://10.1.1.1/"})
    with app.app_context():
        settings = db.session.scalar(sa.select(SurveyChannels))
        assert (settings.channel, settings.webhook_url) == ("email", "https://10.1.1.1/")
    page = client.post(f"/admin/surveys/{slug}/mail/channels", data={"channel": "both", "webhook_url":
                                                                     "https://10.1.1.1/"}, follow_redirects=True)
    assert "private or local network" in page.get_data(as_text=True)


def test_the_secret_page_is_not_cached(app, client, make_survey, receiver):
    slug = make_survey("secretive")
    sign_in(app, client, "owner@example.com", "correct horse battery", token_name="t")
    reply = client.post(f"/admin/surveys/{slug}/mail/channels", data={"channel": "both", "webhook_url": receiver.url})
    assert reply.status_code == 200 and reply.headers["Cache-Control"] == "no-store"
    assert re.search(r"whsec_[\w-]{43}", reply.get_data(as_text=True))
    # the page's language switch leads back to the mail page (the secret is not shown again)
    switched = client.get(f"/admin/surveys/{slug}/mail/channels?lang=en")
    assert switched.status_code == 302
    assert switched.headers["Location"] == f"/admin/surveys/{slug}/mail?lang=en#channels"


# -- the export --------------------------------------------------------------------------------------------------


def _export(client, slug: str, fmt: str = "csv", message: str = "invitation") -> list[dict[str, str]]:
    reply = client.get(f"/admin/surveys/{slug}/mail/messages.{fmt}?message={message}")
    assert reply.status_code == 200, reply.headers.get("Location")
    if fmt == "csv":
        assert reply.data.startswith(b"\xef\xbb\xbf")
        return list(csv.DictReader(io.StringIO(reply.data.decode("utf-8-sig"))))
    sheet = load_workbook(io.BytesIO(reply.data)).active
    header, *lines = [[cell if cell is not None else "" for cell in row] for row in sheet.iter_rows(values_only=True)]
    return [dict(zip(header, (str(c) for c in line), strict=True)) for line in lines]


def test_export_of_an_identified_survey(app, client, hooked):
    slug = hooked["slug"]
    rows = _export(client, slug)
    assert list(rows[0]) == ["ref", "email", "name", "unit", "language", "kind", "step", "text", "sms_parts", "link",
                             "phone"]
    assert [r["email"] for r in rows] == ["ok@example.com", "later@example.com", "bad@example.com",
                                          "slow@example.com"]
    ann = rows[0]
    assert (ann["name"], ann["unit"], ann["language"], ann["kind"], ann["step"], ann["sms_parts"], ann["phone"]) == (
        "Ann Lee", "north", "en", "invitation", "", "1", "+8613800000001")
    assert ann["text"].endswith(ann["link"]) and LINK.fullmatch(ann["link"]) and "2026-12-20" in ann["text"]
    assert rows[3]["name"] == "'=HYPERLINK(\"http://x\")"  # a formula is neutralised
    assert rows[2]["phone"] == "'+cmd|' /C calc'!A0"  # a phone number is not (rows[0]), a formula after + is
    assert rows[3]["language"] == "zh"  # the survey's first language
    # the link opens the survey
    client.post("/admin/logout")
    assert client.get(ann["link"][len("http://127.0.0.1:5000"):], follow_redirects=True).status_code == 200
    sign_in_again(app, client)

    with app.app_context():
        db.session.scalar(sa.select(Invitation).filter_by(email="later@example.com")).used_at = T0
        db.session.scalar(sa.select(Invitation).filter_by(email="bad@example.com")).unsubscribed_at = T0
        db.session.commit()
    reminders = _export(client, slug, "xlsx", "second")
    assert [r["email"] for r in reminders] == ["ok@example.com", "slow@example.com"]
    assert {(r["kind"], r["step"]) for r in reminders} == {("reminder", "second")}
    assert reminders[1]["name"] == "'=HYPERLINK(\"http://x\")"
    assert reminders[0]["link"] == ann["link"] and reminders[0]["text"].startswith("Reminder")
    assert client.get(f"/admin/surveys/{slug}/mail/messages.pdf").status_code == 404
    bad_step = client.get(f"/admin/surveys/{slug}/mail/messages.csv?message=Bad%20Step", follow_redirects=True)
    assert "Nothing exported" in bad_step.get_data(as_text=True)


def sign_in_again(app, client) -> None:
    assert client.post("/admin/login", data={"email": "owner@example.com",
                                             "password": "correct horse battery"}).status_code == 302
    client.get("/admin/?lang=en")


def test_export_of_an_anonymous_survey_tells_nobody_who_answered(app, client, make_survey):
    slug = make_survey("anon-export", anonymous=True)
    sign_in(app, client, "owner@example.com", "correct horse battery", token_name="t")
    _upload(client, slug, "email,name\nx@example.com,X\ny@example.com,Y\n")
    before = client.get(f"/admin/surveys/{slug}/mail/messages.csv?message=first").data
    invitation = client.get(f"/admin/surveys/{slug}/mail/messages.csv").data
    with app.app_context():
        db.session.scalar(sa.select(Invitation).filter_by(email="x@example.com")).used_at = T0
        db.session.commit()
    after = client.get(f"/admin/surveys/{slug}/mail/messages.csv?message=first").data
    assert after == before  # the same file whoever answered
    rows = list(csv.DictReader(io.StringIO(after.decode("utf-8-sig"))))
    assert [(r["ref"], r["email"], r["kind"]) for r in rows] == [("", "x@example.com", "reminder"),
                                                               ("", "y@example.com", "reminder")]
    assert client.get(f"/admin/surveys/{slug}/mail/messages.csv").data == invitation
    with app.app_context():
        survey = db.session.scalar(sa.select(Survey).filter_by(slug=slug))
        assert queue_reminders(survey, "first", now=T0) == 0  # none was sent the invitation by mail


def test_no_export_once_the_survey_closed(app, client, hooked):
    with app.app_context():
        db.session.scalar(sa.select(Survey).filter_by(slug=hooked["slug"])).status = "closed"
        db.session.commit()
    page = client.get(f"/admin/surveys/{hooked['slug']}/mail/messages.csv", follow_redirects=True)
    assert "Nothing exported" in page.get_data(as_text=True) and "closed" in page.get_data(as_text=True)


def test_the_mail_page_shows_the_short_text_and_its_size(app, client, hooked):
    zh = client.get(f"/admin/surveys/{hooked['slug']}/mail?kind=invitation&language=zh").get_data(as_text=True)
    text = re.search(r'id="short-text">([^<]+)<', zh).group(1)
    assert text.startswith("Ann Lee您好，诚邀您参加调查“门店调查”")
    assert "UCS-2" in re.search(r'id="short-size">(.*?)</p>', zh, re.S).group(1)
    en = client.get(f"/admin/surveys/{hooked['slug']}/mail?kind=reminder&language=en").get_data(as_text=True)
    assert "one SMS" in re.search(r'id="short-size">(.*?)</p>', en, re.S).group(1)


def test_hostile_settings_and_export_parameters_are_refused_with_a_reason_never_a_500(app, client, hooked,
                                                                                      monkeypatch):
    from tests.survey_app.test_hostile_routes import IN_URLS

    real = socket.getaddrinfo

    def offline(host, port, *args, **kwargs):  # no test asks a real DNS server
        if host == "localhost" or re.fullmatch(r"[\d.]+|[\da-f:]+", str(host)):
            return real(host, port, *args, **kwargs)
        raise socket.gaierror(socket.EAI_NONAME, "unknown")

    monkeypatch.setattr(socket, "getaddrinfo", offline)
    slug = hooked["slug"]
    for value in [*IN_URLS, "https://\x00.example.com/", "https://[::1", "https://example.com:0/",
                  "https://ex ample.com/", "https://%ED%A0%80.com/", "https://xn--80ak6aa92e.invalid/"]:
        for field in ("channel", "webhook_url", "webhook_secret"):
            data = {"channel": "webhook", "webhook_url": "https://10.0.0.1/", field: value}
            reply = client.post(f"/admin/surveys/{slug}/mail/channels", data=data)
            if "\x00" in value:  # refused before the view reads the form (text_checks.refuse_nul_in_request)
                assert reply.status_code == 400, (field, value)
                continue
            assert reply.status_code == 302, (field, value)  # back to the page, saying why
            assert "not saved" in client.get(reply.headers["Location"]).get_data(as_text=True), (field, value)
    with app.app_context():
        settings = db.session.scalar(sa.select(SurveyChannels))
        assert (settings.channel, settings.webhook_secret) == ("both", hooked["secret"])  # nothing changed
    for value in IN_URLS:
        reply = client.get(f"/admin/surveys/{slug}/mail/messages.csv", query_string={"message": value})
        if "\x00" in value:
            assert reply.status_code == 400, value
        elif re.fullmatch(r"[a-z0-9-]{1,64}", value):  # a step's form (the scheduler names its own: after-7d)
            assert reply.status_code == 200 and ",reminder," in reply.data.decode("utf-8-sig"), value
        else:
            assert reply.status_code == 302, value
            assert "Nothing exported" in client.get(reply.headers["Location"]).get_data(as_text=True), value
