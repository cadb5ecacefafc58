"""The survey pages' CSRF token: bound to the session, signed, new on every view, expiring when configured."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import Response
from survey_app.respond import page_tokens
from tests.conftest import csrf_token, submission_key

ANSWERS = {"nav": "next", "SAT": "8", "PROBLEM": "0"}


def _post(client, page_html: str, token: str):
    return client.post("/s/flow?page=1", data={**ANSWERS, "csrf_token": token,
                                               "submission_key": submission_key(page_html)})


def _stored(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(Response))


def test_every_view_gets_a_new_token_and_each_is_accepted(app, client, make_survey):
    make_survey()
    first, second = client.get("/s/flow?lang=en"), client.get("/s/flow?lang=en")
    assert csrf_token(first.text) != csrf_token(second.text)
    assert _post(client, first.text, csrf_token(second.text)).status_code == 302
    assert _post(client, first.text, csrf_token(first.text)).status_code == 302  # the same page re-sent
    assert _stored(app) == 1


@pytest.mark.parametrize("mangle", [
    lambda token: "",
    lambda token: token.split(".")[0],  # no signature
    lambda token: token[:-2] + ("AA" if not token.endswith("AA") else "BB"),  # another signature
    lambda token: ("B" if token[0] != "B" else "C") + token[1:],  # another nonce or time under the signature
    lambda token: token + "=",
    lambda token: token.replace(".", "。", 1),  # non-ASCII
    lambda token: "\ufffd" + token,  # what an invalid UTF-8 byte arrives as
    lambda token: "x" * 5000,
])
def test_changed_tokens_are_refused_and_nothing_is_stored(app, client, make_survey, mangle):
    make_survey()
    page = client.get("/s/flow?lang=en")
    refused = _post(client, page.text, mangle(csrf_token(page.text)))
    assert refused.status_code == 400
    assert "Traceback" not in refused.text
    assert _stored(app) == 0


def test_a_token_works_only_in_its_own_session_and_under_its_own_secret(app, make_survey):
    make_survey()
    alice, mallory = app.test_client(), app.test_client()
    alices = alice.get("/s/flow?lang=en")
    mallorys = mallory.get("/s/flow?lang=en")
    # a cross-site form can carry a token the attacker got for their own session, never one for the victim's
    assert _post(alice, alices.text, csrf_token(mallorys.text)).status_code == 400
    # a token for Alice's own session secret, signed under another key, is refused too (the session cookie's
    # key stays the same, so her session is still read)
    app.config["WTF_CSRF_SECRET_KEY"] = "another-key-for-page-tokens"
    assert _post(alice, alices.text, csrf_token(alices.text)).status_code == 400
    assert _stored(app) == 0


@pytest.mark.parametrize("old_key_kept", [True, False])
def test_a_page_open_while_the_secret_key_is_rotated_can_still_be_sent(app, client, make_survey, old_key_kept):
    make_survey()
    page = client.get("/s/flow?lang=en")
    old_key = app.config["SECRET_KEY"]
    app.config.update(SECRET_KEY="the-new-secret-key", SECRET_KEY_FALLBACKS=[old_key] if old_key_kept else [])
    sent = _post(client, page.text, csrf_token(page.text))
    assert sent.status_code == (302 if old_key_kept else 400)
    assert _stored(app) == (1 if old_key_kept else 0)
    if old_key_kept:  # the next page comes with a token under the new key, which is accepted after the rotation
        following = client.get(sent.headers["Location"])
        app.config["SECRET_KEY_FALLBACKS"] = []
        assert client.post("/s/flow?page=2", data={"nav": "next", "csrf_token": csrf_token(following.text),
                                                  "BRANCH": "south", "VISITS": "3"}).status_code == 302


def test_a_session_without_its_secret_is_refused(app, make_survey):
    make_survey()
    client = app.test_client()
    page = client.get("/s/flow?lang=en")
    token = csrf_token(page.text)
    client.delete_cookie("session")
    assert _post(client, page.text, token).status_code == 400


def test_tokens_expire_after_the_configured_limit(app, client, make_survey, monkeypatch):
    make_survey()
    app.config["WTF_CSRF_TIME_LIMIT"] = 3600
    # a fixed clock: the token keeps whole seconds, so a real one could put the page up to a second earlier than
    # the test thinks
    viewed = time.time() // 1 + 0.5
    monkeypatch.setattr(page_tokens.time, "time", lambda: viewed)
    page = client.get("/s/flow?lang=en")
    monkeypatch.setattr(page_tokens.time, "time", lambda: viewed + 3601)
    assert _post(client, page.text, csrf_token(page.text)).status_code == 400
    monkeypatch.setattr(page_tokens.time, "time", lambda: viewed + 3599)
    assert _post(client, page.text, csrf_token(page.text)).status_code == 302


def test_without_a_time_limit_a_page_may_stay_open_for_days(app, client, make_survey, monkeypatch):
    assert app.config["WTF_CSRF_TIME_LIMIT"] is None  # the app's setting: a respondent may take hours
    make_survey()
    page = client.get("/s/flow?lang=en")
    days_later = time.time() + 5 * 86400
    monkeypatch.setattr(page_tokens.time, "time", lambda: days_later)
    assert _post(client, page.text, csrf_token(page.text)).status_code == 302


def test_the_exemption_covers_the_survey_pages_only(app, client, make_survey):
    make_survey()
    page = client.get("/s/flow?lang=en")
    # CSRFProtect still guards the console: a survey page's token is not a console token, and none is refused
    assert client.post("/admin/login", data={"email": "a@example.org", "password": "x"}).status_code == 400
    assert client.post("/admin/login", data={"csrf_token": csrf_token(page.text), "email": "a@example.org",
                                             "password": "x"}).status_code == 400
    console = client.get("/admin/login?lang=en")
    # ... and a console token is not a survey page's
    assert _post(client, page.text, csrf_token(console.text)).status_code == 400


def test_switched_off_with_csrf_protection(app, client, make_survey):
    make_survey()
    app.config["WTF_CSRF_ENABLED"] = False
    page = client.get("/s/flow?lang=en")
    assert _post(client, page.text, "").status_code == 302
