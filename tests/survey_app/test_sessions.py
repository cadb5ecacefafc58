"""The session cookie's signer: Flask's session semantics with a cheaper signature."""

from __future__ import annotations

import datetime as dt

import pytest
from flask import Flask, session
from itsdangerous import BadSignature, SignatureExpired
from markupsafe import Markup

from survey_app import sessions
from survey_app.sessions import CookieSigner, SessionInterface
from tests.conftest import csrf_token, submission_key


def _app(secret: str = "current secret", fallbacks: list[str] | None = None) -> Flask:
    app = Flask(__name__)
    app.config.update(SECRET_KEY=secret, SECRET_KEY_FALLBACKS=fallbacks or [])
    sessions.init_app(app)

    @app.post("/set")
    def set_value():
        session["kept"] = ("tuple", 1, Markup("<b>safe</b>"), dt.datetime(2026, 11, 23, tzinfo=dt.UTC))
        return "set"

    @app.get("/get")
    def get_value():
        return repr(session.get("kept"))

    return app


def _cookie(client) -> str:
    return client.get_cookie("session").value


def test_values_survive_the_round_trip_as_flask_keeps_them():
    client = _app().test_client()
    client.post("/set")
    assert client.get("/get").text == repr(("tuple", 1, Markup("<b>safe</b>"),
                                            dt.datetime(2026, 11, 23, tzinfo=dt.UTC)))


@pytest.mark.parametrize("tamper", [
    lambda c: c[:5] + ("A" if c[5] != "A" else "B") + c[6:],  # the payload changed
    lambda c: c.rsplit(".", 1)[0] + "." + "A" * 43,  # another signature
    lambda c: c.rsplit(".", 1)[0],  # no signature
    lambda c: "not a cookie",
    lambda c: "..",
    lambda c: c + "!!",  # not base64
    lambda c: c + "é",  # not ASCII
    lambda c: c.replace(".", ".é", 1),
])
def test_a_changed_or_malformed_cookie_opens_an_empty_session(tamper):
    app = _app()
    client = app.test_client()
    client.post("/set")
    client.set_cookie("session", tamper(_cookie(client)))
    answered = client.get("/get")
    assert answered.status_code == 200 and answered.text == "None"


def test_a_cookie_signed_with_another_secret_is_refused():
    writer = _app("one secret").test_client()
    writer.post("/set")
    reader = _app("another secret").test_client()
    reader.set_cookie("session", _cookie(writer))
    assert reader.get("/get").text == "None"


def test_rotated_secrets_still_open_old_cookies_and_sign_new_ones_with_the_current_key():
    old = _app("old secret").test_client()
    old.post("/set")
    rotated_app = _app("new secret", fallbacks=["old secret"])
    rotated = rotated_app.test_client()
    rotated.set_cookie("session", _cookie(old))
    assert "tuple" in rotated.get("/get").text
    rotated.post("/set")
    fresh = _app("new secret").test_client()
    fresh.set_cookie("session", _cookie(rotated))
    assert "tuple" in fresh.get("/get").text  # signed with the new key alone


def test_cookies_older_than_the_session_lifetime_are_refused(monkeypatch):
    signer = CookieSigner(["secret"], SessionInterface.serializer)
    cookie = signer.dumps({"a": 1})
    assert signer.loads(cookie, max_age=60) == {"a": 1}
    now = sessions.time.time()
    monkeypatch.setattr(sessions.time, "time", lambda: now + 61)
    with pytest.raises(SignatureExpired):
        signer.loads(cookie, max_age=60)
    assert signer.loads(cookie) == {"a": 1}  # no limit asked for


def test_the_signer_refuses_what_it_did_not_sign():
    signer = CookieSigner(["secret"], SessionInterface.serializer)
    other = CookieSigner(["other"], SessionInterface.serializer)
    with pytest.raises(BadSignature):
        signer.loads(other.dumps({"a": 1}))
    body, _, signature = signer.dumps({"a": 1}).rpartition(".")
    payload, _, issued = body.partition(".")
    with pytest.raises(BadSignature):  # an old signature on a newer issue time
        signer.loads(f"{payload}.AAAAAA.{signature}")


def test_the_app_uses_the_signer_and_a_forged_session_loses_its_csrf_token(app, client, make_survey):
    assert isinstance(app.session_interface, SessionInterface)
    make_survey()
    page = client.get("/s/flow")
    cookie = _cookie(client)
    assert cookie.count(".") == 2
    client.set_cookie("session", cookie[:-2] + ("AA" if not cookie.endswith("AA") else "BB"))
    refused = client.post("/s/flow?page=1", data={"csrf_token": csrf_token(page.text), "nav": "next",
                                                 "submission_key": submission_key(page.text), "SAT": "8",
                                                 "PROBLEM": "0"})
    assert refused.status_code == 400
