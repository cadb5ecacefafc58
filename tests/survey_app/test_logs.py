"""The access log of the production server holds no invitation or resume tokens (SECURITY.md)."""

from __future__ import annotations

import datetime
import runpy
from pathlib import Path
from types import SimpleNamespace

from gunicorn.config import Config

from survey_app.logs import RedactingLogger, redact

TOKEN = "Zq3kR8v0W1xYhT5nLmP2sA"


def test_tokens_in_survey_and_resume_links_are_replaced() -> None:
    assert redact(f"GET /s/pulse/{TOKEN}?lang=zh HTTP/1.1") == "GET /s/pulse/<link>?lang=zh HTTP/1.1"
    assert redact(f"/s/pulse/resume/{TOKEN}") == "/s/pulse/resume/<link>"
    assert redact("/s/pulse/thanks?lang=en") == "/s/pulse/thanks?lang=en"
    assert redact("/s/pulse") == "/s/pulse" and redact("/admin/surveys/pulse") == "/admin/surveys/pulse"


def test_tokens_of_the_console_account_links_are_replaced() -> None:
    assert redact(f"POST /admin/reset-password/{TOKEN}?lang=zh HTTP/1.1") == \
        "POST /admin/reset-password/<link>?lang=zh HTTP/1.1"
    assert redact(f"/admin/invitation/{TOKEN}") == "/admin/invitation/<link>"
    assert redact("/admin/accounts/invitations/3/revoke") == "/admin/accounts/invitations/3/revoke"


def test_the_servers_logger_writes_no_token_anywhere_in_the_access_line() -> None:
    settings = runpy.run_path(str(Path(__file__).resolve().parents[2] / "gunicorn.conf.py"))
    assert settings["logger_class"] == "survey_app.logs.RedactingLogger"
    config = Config()
    config.set("accesslog", "-")
    # every field a log format could name: request line, path, referer, raw URI, request headers
    config.set("access_log_format", '%(h)s "%(r)s" %(U)s %(f)s %({raw_uri}e)s %({referer}i)s %(s)s')
    logger = RedactingLogger(config)
    lines: list[str] = []
    logger.access_log = SimpleNamespace(info=lambda message, atoms: lines.append(message % atoms))
    environ = {"REQUEST_METHOD": "GET", "RAW_URI": f"/s/pulse/{TOKEN}", "PATH_INFO": f"/s/pulse/{TOKEN}",
               "QUERY_STRING": "", "SERVER_PROTOCOL": "HTTP/1.1", "REMOTE_ADDR": "10.0.0.7",
               "HTTP_REFERER": f"https://survey.example/s/pulse/resume/{TOKEN}"}
    request = SimpleNamespace(headers=[("REFERER", f"https://survey.example/s/pulse/resume/{TOKEN}")])
    response = SimpleNamespace(status="200 OK", sent=512, headers=[])
    logger.access(response, request, environ, datetime.timedelta(milliseconds=12))
    assert len(lines) == 1
    assert TOKEN not in lines[0]
    assert '"GET /s/pulse/<link> HTTP/1.1"' in lines[0] and "/s/pulse/resume/<link>" in lines[0]


def test_a_crash_on_a_personal_link_is_logged_with_its_traceback_but_without_the_token(app, caplog,
                                                                                         monkeypatch) -> None:
    import logging

    def crash(*args, **kwargs):
        raise RuntimeError("the database went away")

    monkeypatch.setitem(app.view_functions, "respond.respond", crash)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    with caplog.at_level(logging.ERROR):
        reply = app.test_client().get(f"/s/pulse/{TOKEN}")
    assert reply.status_code == 500
    assert "Exception on /s/pulse/<link> [GET]" in caplog.text and "the database went away" in caplog.text
    assert TOKEN not in caplog.text
