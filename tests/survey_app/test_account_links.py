"""Console accounts by email: a forgotten password's reset link and a colleague's invitation - single use, short
lived, refused clearly when tampered with, and telling nobody which addresses have accounts."""

from __future__ import annotations

import email
import email.policy
import re
import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from aiosmtpd.controller import Controller

from survey_app.extensions import db
from survey_app.models import AccountLink, User, UserSession
from survey_app.services import account_invitations
from survey_app.services.account_links import EXPIRED, INVALID, USED, LinkRefused
from survey_app.services.accounts import authenticate
from survey_app.services.console_sessions import change_password, start_session
from survey_app.services.mail.account_mail import SENDER_THREAD, last_console_message
from survey_app.services.password_reset import complete_reset, request_reset, reset_link
from survey_app.services.users import create_user
from tests.survey_app.test_mail import _free_port

T0 = datetime(2026, 12, 1, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery"
NEW = "a brand new password"
#: a link in a message: the path on the public address
LINK = re.compile(r"http://127\.0\.0\.1:5000(/admin/(?:reset-password|invitation)/[^\s?]+\?lang=\w+)")


@pytest.fixture
def accounts(app, tmp_path: Path):
    """An admin, a manager with a live session, a deactivated account; console mail to an outbox of the test's."""
    app.config.update(SMTP_URL=None, MAIL_OUTBOX=str(tmp_path / "outbox"))
    with app.app_context():
        admin, _ = create_user("admin@example.com", PASSWORD, role="admin")
        manager, _ = create_user("manager@example.com", PASSWORD, role="manager")
        gone, _ = create_user("gone@example.com", PASSWORD, role="manager")
        gone.active = False
        start_session(manager)
        db.session.commit()
        return {"admin": admin.id, "manager": manager.id}


def wait_for_mail() -> None:
    """Every console message being sent from a thread has been sent (or failed)."""
    for thread in threading.enumerate():
        if thread.name == SENDER_THREAD:
            thread.join(timeout=30)


def outbox(app) -> Path:
    return Path(app.config["MAIL_OUTBOX"])


def mails(app) -> int:
    """How many console messages the outbox holds."""
    folder = outbox(app) / ".accounts"
    return sum(1 for part in ("new", "cur") for _ in (folder / part).glob("*")) if folder.exists() else 0


def link_in(message) -> str:
    return LINK.search(message.get_body(("plain",)).get_content()).group(1)


# -- the services ---------------------------------------------------------------------------------------------------

def test_a_reset_link_works_once_ends_sessions_lifts_the_lock_and_voids_the_others(app, accounts):
    with app.app_context():
        first = request_reset("Manager@Example.com ", now=T0)[1]
        user, token = request_reset("manager@example.com", now=T0 + timedelta(minutes=5))
        user.failed_logins, user.locked_until = 0, T0 + timedelta(hours=1)
        db.session.commit()
        assert reset_link(token, now=T0 + timedelta(minutes=6))[1].email == "manager@example.com"
        assert token not in str(db.session.scalars(sa.select(AccountLink.token_hash)).all())  # stored as hashes only

        complete_reset(token, NEW, now=T0 + timedelta(minutes=10))
        db.session.commit()
        assert authenticate("manager@example.com", NEW, now=T0 + timedelta(minutes=11)) is not None  # lock lifted
        assert db.session.scalar(sa.select(sa.func.count(UserSession.id)).filter_by(user_id=accounts["manager"])) == 0
        for used in (token, first):  # the link itself, and the one sent earlier
            with pytest.raises(LinkRefused) as refused:
                complete_reset(used, "another new password", now=T0 + timedelta(minutes=12))
            assert refused.value.reason == USED
        db.session.rollback()
        assert authenticate("manager@example.com", NEW, now=T0 + timedelta(minutes=13)) is not None


def test_a_reset_link_expires_after_an_hour(app, accounts):
    with app.app_context():
        _, token = request_reset("manager@example.com", now=T0)
        db.session.commit()
        with pytest.raises(LinkRefused) as refused:
            complete_reset(token, NEW, now=T0 + timedelta(minutes=60))
        assert refused.value.reason == EXPIRED
        db.session.rollback()
        complete_reset(token, NEW, now=T0 + timedelta(minutes=59, seconds=59))


@pytest.mark.parametrize("change", ["swap last", "cut short", "longer", "empty", "huge", "surrogate"])
def test_a_tampered_reset_link_is_invalid(app, accounts, change):
    with app.app_context():
        _, token = request_reset("manager@example.com", now=T0)
        db.session.commit()
        tampered = {"swap last": token[:-1] + ("A" if token[-1] != "A" else "B"), "cut short": token[:-2],
                    "longer": token + "x", "empty": "", "huge": token * 20, "surrogate": token[:-1] + "\udc80"}[change]
        with pytest.raises(LinkRefused) as refused:
            reset_link(tampered, now=T0)
        assert refused.value.reason == INVALID
        # nor does a reset token open an invitation, or the other way round
        _, invitation = account_invitations.invite("new@example.com", "hr", invited_by=db.session.get(
            User, accounts["admin"]), now=T0)
        with pytest.raises(LinkRefused):
            reset_link(invitation, now=T0)
        with pytest.raises(LinkRefused):
            account_invitations.invitation_link(token, now=T0)


def test_a_password_changed_after_the_link_was_sent_voids_it(app, accounts):
    with app.app_context():
        user, token = request_reset("manager@example.com", now=T0)
        change_password(user, PASSWORD, "changed while signed in")
        db.session.commit()
        with pytest.raises(LinkRefused) as refused:
            reset_link(token, now=T0 + timedelta(minutes=1))
        assert refused.value.reason == USED


def test_unknown_and_deactivated_addresses_get_no_link_and_a_short_password_keeps_it(app, accounts):
    with app.app_context():
        assert request_reset("nobody@example.com", now=T0) is None
        assert request_reset("gone@example.com", now=T0) is None
        assert db.session.scalar(sa.select(sa.func.count(AccountLink.id))) == 0
        user, token = request_reset("manager@example.com", now=T0)
        user.active = False  # deactivated after the message went out
        db.session.commit()
        with pytest.raises(LinkRefused):
            reset_link(token, now=T0)
        user.active = True
        db.session.commit()
        with pytest.raises(ValueError, match="at least 10 characters"):
            complete_reset(token, "short", now=T0)
        db.session.rollback()
        complete_reset(token, NEW, now=T0)  # the refusal did not use the link up


def test_an_invitation_makes_the_account_once_and_expires_after_a_week(app, accounts):
    with app.app_context():
        admin = db.session.get(User, accounts["admin"])
        link, token = account_invitations.invite(" New@Example.com", "hr", invited_by=admin, now=T0)
        late, late_token = account_invitations.invite("late@example.com", "manager", invited_by=admin, now=T0)
        db.session.commit()
        assert [(row["email"], row["role"], row["invited_by"], row["expired"]) for row in
                account_invitations.pending_invitations(now=T0 + timedelta(days=7))] == [
            ("late@example.com", "manager", "admin@example.com", True),
            ("new@example.com", "hr", "admin@example.com", True)]
        assert db.session.scalar(sa.select(User).filter_by(email="new@example.com")) is None  # made on acceptance

        with pytest.raises(ValueError, match="at least 10 characters"):
            account_invitations.accept_invitation(token, "", now=T0)  # no generated password behind anybody's back
        db.session.rollback()
        user = account_invitations.accept_invitation(token, NEW, now=T0 + timedelta(days=6, hours=23))
        db.session.commit()
        assert (user.email, user.role, user.active) == ("new@example.com", "hr", True)
        assert authenticate("new@example.com", NEW) is not None
        with pytest.raises(LinkRefused) as refused:
            account_invitations.accept_invitation(token, "another password", now=T0 + timedelta(days=6, hours=23))
        assert refused.value.reason == USED
        with pytest.raises(LinkRefused) as refused:
            account_invitations.accept_invitation(late_token, NEW, now=T0 + timedelta(days=7))
        assert refused.value.reason == EXPIRED
        db.session.rollback()
        assert [row["email"] for row in account_invitations.pending_invitations(now=T0)] == ["late@example.com"]


def test_inviting_an_address_with_an_account_is_refused_and_a_new_invitation_replaces_the_earlier(app, accounts):
    with app.app_context():
        admin = db.session.get(User, accounts["admin"])
        with pytest.raises(ValueError, match="an account for manager@example.com already exists"):
            account_invitations.invite("manager@example.com", "hr", invited_by=admin, now=T0)
        with pytest.raises(ValueError, match="deactivated: reactivate it"):
            account_invitations.invite("gone@example.com", "hr", invited_by=admin, now=T0)
        with pytest.raises(ValueError, match="role must be one of"):
            account_invitations.invite("x@example.com", "owner", invited_by=admin, now=T0)
        _, earlier = account_invitations.invite("new@example.com", "hr", invited_by=admin, now=T0)
        link, later = account_invitations.invite("new@example.com", "admin", invited_by=admin, now=T0)
        assert account_invitations.replace_earlier(link) == 1
        db.session.commit()
        with pytest.raises(LinkRefused) as refused:
            account_invitations.invitation_link(earlier, now=T0)
        assert refused.value.reason == INVALID
        assert account_invitations.invitation_link(later, now=T0).role == "admin"
        # an account made meanwhile (by another admin, directly) wins; the invitation is not used up by the refusal
        made, _ = create_user("new@example.com", PASSWORD, role="manager")
        with pytest.raises(ValueError, match="already exists"):
            account_invitations.accept_invitation(later, NEW, now=T0)
        db.session.rollback()
        assert account_invitations.invitation_link(later, now=T0).used_at is None
        assert account_invitations.revoke_invitation(link.id) is True
        assert account_invitations.revoke_invitation(link.id) is False
        with pytest.raises(LinkRefused):
            account_invitations.invitation_link(later, now=T0)


# -- the pages ------------------------------------------------------------------------------------------------------

def _forgot(client, address: str, lang: str = "en"):
    reply = client.post(f"/admin/forgot-password?lang={lang}", data={"email": address})
    wait_for_mail()
    return reply


def test_the_forgot_password_answer_is_the_same_for_every_address_and_only_accounts_get_mail(app, client, accounts):
    app.config["WTF_CSRF_ENABLED"] = False
    assert 'href="/admin/forgot-password"' in client.get("/admin/login").text
    assert client.get("/admin/forgot-password").status_code == 200
    answers = []
    for address in ("manager@example.com", "nobody@example.com", "gone@example.com", "MANAGER@example.com"):
        before = mails(app)
        reply = _forgot(client, address)
        shown = client.get("/admin/login").text
        flash = re.search(r'class="flash flash-(\w+)"[^>]*>([^<]*)', shown)
        answers.append((reply.status_code, reply.headers["Location"], flash[1],
                        flash[2].replace(address.lower(), "ADDRESS")))
        assert mails(app) - before == (1 if address.lower() == "manager@example.com" else 0), address
    assert len(set(answers)) == 1, answers
    assert answers[0][:3] == (302, "/admin/login", "success")
    assert "If an account exists for ADDRESS" in answers[0][3]
    # a locked account gets its message too (and nothing says it is locked)
    with app.app_context():
        db.session.execute(sa.update(User).filter_by(email="manager@example.com").values(
            locked_until=datetime.now(UTC) + timedelta(minutes=15)))
        db.session.commit()
    before = mails(app)
    _forgot(client, "manager@example.com")
    assert mails(app) == before + 1
    # a malformed address is a field error, for any address alike
    refused = client.post("/admin/forgot-password", data={"email": "not an address"})
    assert refused.status_code == 200 and 'class="error"' in refused.text


@pytest.mark.parametrize(("lang", "subject", "heading"), [("zh", "设置满意 Manyi 控制台的新密码", "设置新密码"),
                                                          ("en", "Set a new password for the Manyi console",
                                                           "Set a new password")])
def test_the_reset_link_sets_the_password_signs_in_and_then_says_it_was_used(app, client, accounts, lang, subject,
                                                                          heading):
    app.config["WTF_CSRF_ENABLED"] = False
    _forgot(client, "manager@example.com", lang)
    message = last_console_message(outbox(app), to="manager@example.com")
    assert message["Subject"] == subject and message.get_content_type() == "multipart/alternative"
    path = link_in(message)
    assert f'href="http://127.0.0.1:5000{path}"' in message.get_body(("html",)).get_content()
    page = client.get(path)
    assert page.status_code == 200 and heading in page.text and "manager@example.com" in page.text
    assert client.get(path).status_code == 200  # opening it again (a mail scanner, a second look) uses nothing
    differ = client.post(path, data={"new": NEW, "repeat": "something else"})
    assert differ.status_code == 200 and 'class="error"' in differ.text
    short = client.post(path, data={"new": "short", "repeat": "short"})
    assert short.status_code == 200 and 'class="error"' in short.text
    done = client.post(path, data={"new": NEW, "repeat": NEW})
    assert done.status_code == 302 and done.headers["Location"] == "/admin/"
    assert client.get("/admin/").status_code == 200  # signed in
    with app.app_context():
        # the session the manager had elsewhere ended; the one just started is the only one
        assert db.session.scalar(sa.select(sa.func.count(UserSession.id)).filter_by(user_id=accounts["manager"])) == 1
    again = client.get(path)
    assert again.status_code == 410 and 'id="link-refused"' in again.text
    assert client.post(path, data={"new": "another password 2", "repeat": "another password 2"}).status_code == 410
    fresh = app.test_client()
    assert fresh.post("/admin/login", data={"email": "manager@example.com", "password": NEW}).status_code == 302


def test_two_requests_with_one_link_at_the_same_moment_set_one_password(app, accounts, monkeypatch):
    """A double click, or two tabs, or two app processes: both requests find the link unused, both try to claim it
    at once, and one conditional statement lets exactly one through."""
    from survey_app.services import account_links, password_reset

    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        _, token = request_reset("manager@example.com")
        db.session.commit()
    both_found = threading.Barrier(2, timeout=20)

    def claim_together(link, *, now):
        both_found.wait()
        account_links.claim(link, now=now)

    monkeypatch.setattr(password_reset, "claim", claim_together)
    replies: dict[str, int] = {}

    def submit(password: str) -> None:
        replies[password] = app.test_client().post(f"/admin/reset-password/{token}",
                                                   data={"new": password, "repeat": password}).status_code

    threads = [threading.Thread(target=submit, args=(password,)) for password in (NEW, "the other new password")]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(replies.values()) == [302, 410]
    [winner] = [password for password, status in replies.items() if status == 302]
    with app.app_context():
        assert authenticate("manager@example.com", winner) is not None


def test_tampered_expired_and_odd_links_get_a_clear_page_never_an_error(app, client, accounts):
    app.config["WTF_CSRF_ENABLED"] = False
    _forgot(client, "manager@example.com")
    path = link_in(last_console_message(outbox(app)))
    token = path.split("/")[-1].split("?")[0]
    for odd in (token[:-1] + ("A" if token[-1] != "A" else "B"), token * 10, "%00", "%E2%80%AE" + token, "..~..",
                "<script>"):
        for method in (client.get, client.post):
            reply = method(f"/admin/reset-password/{odd}", data={"new": NEW, "repeat": NEW})
            assert reply.status_code == 404 and 'id="link-refused"' in reply.text, odd
            assert "Ask for a new one" in reply.text and "<script>" not in reply.text
        reply = client.get(f"/admin/invitation/{odd}")
        assert reply.status_code == 404 and "Ask the administrator who invited you" in reply.text
    with app.app_context():
        db.session.execute(sa.update(AccountLink).values(expires_at=datetime.now(UTC) - timedelta(seconds=1)))
        db.session.commit()
    expired = client.get(path)
    assert expired.status_code == 410 and "works for 60 minutes" in expired.text
    zh = client.get(path.replace("lang=en", "lang=zh"))
    assert "此链接已过期" in zh.text


def test_an_admin_invites_a_colleague_who_chooses_a_password_and_signs_in(app, client, accounts):
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/admin/login", data={"email": "admin@example.com", "password": PASSWORD}).status_code == 302
    page = client.get("/admin/accounts?lang=en").text
    assert 'id="invite-form"' in page and 'id="console-outbox"' in page and 'id="invitations"' not in page
    sent = client.post("/admin/accounts/invitations", data={"invite-email": "Colleague@Example.com",
                                                            "invite-role": "hr", "invite-language": "zh"},
                       follow_redirects=True)
    assert "Invitation sent to colleague@example.com" in sent.text
    listed = re.search(r'<table class="data" id="invitations">.*?</table>', sent.text, re.S).group(0)
    assert "colleague@example.com" in listed and "HR" in listed and "admin@example.com" in listed
    assert re.search(r"\d{4}-\d\d-\d\d \d\d:\d\d", listed)
    message = last_console_message(outbox(app), to="colleague@example.com")
    assert message["Subject"] == "满意 Manyi 调查控制台邀请"
    text = message.get_body(("plain",)).get_content()
    assert "admin@example.com 邀请您" in text and "角色为人力资源" in text and PASSWORD not in text
    path = link_in(message)

    # the same address again while the account does not exist yet: a new invitation replaces the earlier
    again = client.post("/admin/accounts/invitations", data={"invite-email": "colleague@example.com",
                                                             "invite-role": "manager", "invite-language": "en"},
                        follow_redirects=True)
    assert again.text.count("colleague@example.com<br>") == 1  # one row in the invitations
    assert app.test_client().get(path).status_code == 404
    path = link_in(last_console_message(outbox(app), to="colleague@example.com"))

    colleague = app.test_client()
    form = colleague.get(path)  # in the language of the message
    assert form.status_code == 200 and 'lang="en"' in form.text
    assert "colleague@example.com" in form.text and "Manager / analyst" in form.text
    joined = colleague.post(path, data={"new": "colleague password", "repeat": "colleague password"})
    assert joined.status_code == 302 and colleague.get("/admin/").status_code == 200
    assert colleague.get("/admin/accounts").status_code == 403  # a manager
    assert colleague.get(path).status_code == 410

    after = client.get("/admin/accounts").text
    assert 'id="invitations"' not in after and "colleague@example.com" in after
    exists = client.post("/admin/accounts/invitations", data={"invite-email": "colleague@example.com",
                                                              "invite-role": "hr", "invite-language": "en"})
    assert exists.status_code == 200 and "an account for colleague@example.com already exists" in exists.text
    bad = client.post("/admin/accounts/invitations", data={"invite-email": "nope", "invite-role": "hr",
                                                           "invite-language": "en"})
    assert bad.status_code == 200 and "Enter an email address." in bad.text


def test_a_withdrawn_invitation_stops_working_and_a_failed_one_is_not_kept(app, client, accounts):
    app.config["WTF_CSRF_ENABLED"] = False
    client.post("/admin/login", data={"email": "admin@example.com", "password": PASSWORD})
    client.get("/admin/accounts?lang=en")
    client.post("/admin/accounts/invitations", data={"invite-email": "x@example.com", "invite-role": "hr",
                                                     "invite-language": "en"})
    path = link_in(last_console_message(outbox(app)))
    with app.app_context():
        link_id = db.session.scalar(sa.select(AccountLink.id))
    withdrawn = client.post(f"/admin/accounts/invitations/{link_id}/revoke", follow_redirects=True)
    assert "Invitation withdrawn" in withdrawn.text and 'id="invitations"' not in withdrawn.text
    assert client.post(f"/admin/accounts/invitations/{link_id}/revoke").status_code == 404
    assert app.test_client().get(path).status_code == 404

    app.config["SMTP_URL"] = f"smtp://127.0.0.1:{_free_port()}"  # nothing listens there
    failed = client.post("/admin/accounts/invitations", data={"invite-email": "y@example.com", "invite-role": "hr",
                                                              "invite-language": "en"}, follow_redirects=True)
    assert "The invitation to y@example.com could not be sent, so it was not kept" in failed.text
    assert 'id="invitations"' not in failed.text and 'id="console-outbox"' not in failed.text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(AccountLink.id))) == 0


def test_the_command_line_prints_the_newest_console_message(app, client, accounts, runner):
    app.config["WTF_CSRF_ENABLED"] = False
    empty = runner.invoke(args=["mail", "console-outbox"])
    assert empty.exit_code != 0 and "no console message" in empty.output
    _forgot(client, "manager@example.com")
    _forgot(client, "admin@example.com")
    newest = runner.invoke(args=["mail", "console-outbox"])
    assert newest.exit_code == 0 and "To: admin@example.com" in newest.output
    assert "/admin/reset-password/" in newest.output
    chosen = runner.invoke(args=["mail", "console-outbox", "--to", "MANAGER@example.com"])
    assert "To: manager@example.com" in chosen.output


# -- a real mail server ---------------------------------------------------------------------------------------------

class HeldServer:
    """An SMTP handler that holds each message until the test lets it through."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.delivered = threading.Event()
        self.received: list[email.message.EmailMessage] = []

    async def handle_DATA(self, server, session, envelope):
        self.release.wait(timeout=20)  # blocks this server's loop: one message at a time is all the test sends
        self.received.append(email.message_from_bytes(envelope.original_content, policy=email.policy.default))
        self.delivered.set()
        return "250 OK queued"


def test_the_reset_message_goes_through_smtp_without_the_answer_waiting_for_it_and_its_link_works(app, client,
                                                                                               accounts):
    handler = HeldServer()
    port = _free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    try:
        app.config.update(SMTP_URL=f"smtp://127.0.0.1:{port}", WTF_CSRF_ENABLED=False)
        reply = client.post("/admin/forgot-password?lang=en", data={"email": "manager@example.com"})
        # answered while the mail server still holds the message: the answer does not wait for it
        assert reply.status_code == 302 and not handler.delivered.is_set()
        handler.release.set()
        assert handler.delivered.wait(timeout=20)
        wait_for_mail()
    finally:
        handler.release.set()
        controller.stop()
    [message] = handler.received
    assert str(message["To"]) == "manager@example.com" and message["Auto-Submitted"] == "auto-generated"
    path = link_in(message)
    assert client.post(path, data={"new": NEW, "repeat": NEW}).status_code == 302
    assert app.test_client().post("/admin/login", data={"email": "manager@example.com",
                                                        "password": NEW}).status_code == 302
    assert mails(app) == 0  # with SMTP_URL nothing goes to the outbox
