"""First run (issue 19): the printed and shown links follow the port `make run` serves on, and a second run says
how to set a new admin password, with a command that does it."""

from __future__ import annotations

import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models import User, UserSession

ROOT = Path(__file__).resolve().parents[2]
NEW_PASSWORD = "a much longer secret"


def _make_dry_run(*args: str, env: dict[str, str] | None = None) -> list[str]:
    """The commands `make run ARGS` would run, without running them."""
    import os

    environ = {k: v for k, v in os.environ.items() if k not in ("PUBLIC_BASE_URL", "MAKEFLAGS")}
    shown = subprocess.run(["make", "-n", "-s", "-C", str(ROOT), "run", *args], env={**environ, **(env or {})},
                           capture_output=True, text=True, check=True).stdout
    return [line for line in shown.splitlines() if "flask --app survey_app demo" in line or "gunicorn" in line]


def test_make_run_passes_its_port_to_the_demo_links_and_to_the_server():
    demo, serve = _make_dry_run("PORT=8080")
    assert demo.startswith('PUBLIC_BASE_URL="http://127.0.0.1:8080" ')
    assert serve.startswith('PUBLIC_BASE_URL="http://127.0.0.1:8080" ') and "--bind 127.0.0.1:8080" in serve
    # served on every address: the printed links name this machine's loopback address
    demo, serve = _make_dry_run("PORT=9000", "HOST=0.0.0.0")
    assert "http://127.0.0.1:9000" in demo and "--bind 0.0.0.0:9000" in serve
    # a public address set by the operator wins
    demo, serve = _make_dry_run("PORT=8080", env={"PUBLIC_BASE_URL": "https://survey.example.com"})
    assert "https://survey.example.com" in demo and "https://survey.example.com" in serve
    demo, _ = _make_dry_run()
    assert "http://127.0.0.1:5000" in demo


@pytest.fixture
def port_8080(monkeypatch: pytest.MonkeyPatch) -> str:
    """The environment `make run PORT=8080` gives the app (requested before ``app``, which reads it)."""
    monkeypatch.setenv("PUBLIC_BASE_URL", "http://127.0.0.1:8080")
    return "http://127.0.0.1:8080"


def test_demo_links_and_the_console_follow_the_port(port_8080, app, runner, client):
    first = runner.invoke(args=["demo", "--responses", "20"])
    assert first.exit_code == 0, first.output
    assert f"{port_8080}/s/demo-customer  (20 responses)" in first.output
    assert f"{port_8080}/s/demo-employee" in first.output and ":5000" not in first.output
    email, password = re.search(r"admin account: (\S+) / (\S+)", first.output).groups()
    client.post("/admin/login", data={"email": email, "password": password, "csrf_token": _csrf(client)})
    console = client.get("/admin/surveys/demo-customer?lang=en").text
    assert f'href="{port_8080}/s/demo-customer"' in console
    # the second `make run`: demo data is there, and the operator learns how to set a new password
    second = runner.invoke(args=["demo", "--responses", "20"])
    assert second.exit_code == 0 and "admin account admin@example.com already exists" in second.output
    assert ".venv/bin/flask --app survey_app set-password admin@example.com" in second.output


def _csrf(client) -> str:
    return re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', client.get("/admin/login").text).group(1)


def _signed_in(app, email: str, password: str) -> bool:
    client = app.test_client()
    reply = client.post("/admin/login", data={"email": email, "password": password, "csrf_token": _csrf(client)})
    return reply.status_code == 302 and "/admin/login" not in reply.headers["Location"]


def test_set_password_asks_twice_ends_sessions_and_lifts_a_lock(app, runner):
    assert runner.invoke(args=["create-admin", "boss@example.com", "--password", "first password"]).exit_code == 0
    assert _signed_in(app, "boss@example.com", "first password")
    with app.app_context():
        user = db.session.scalar(sa.select(User).filter_by(email="boss@example.com"))
        user.failed_logins = 5
        user.locked_until = datetime(2999, 1, 1, tzinfo=UTC)  # locked after failed sign-ins
        db.session.commit()
    result = runner.invoke(args=["set-password", "Boss@Example.com"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert result.exit_code == 0, result.output
    assert "New password:" in result.output and "Repeat the new password:" in result.output
    assert NEW_PASSWORD not in result.output  # hidden while typed
    assert "new password set for boss@example.com; 1 console session(s) ended" in result.output
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(UserSession.id))) == 0
        assert db.session.scalar(sa.select(User.failed_logins).filter_by(email="boss@example.com")) == 0
    assert _signed_in(app, "boss@example.com", NEW_PASSWORD)
    assert not _signed_in(app, "boss@example.com", "first password")


def test_set_password_refuses_weak_and_mismatched_passwords_and_unknown_accounts(app, runner):
    runner.invoke(args=["create-admin", "boss@example.com", "--password", "first password"])
    weak = runner.invoke(args=["set-password", "boss@example.com"], input="short\nshort\n")
    assert weak.exit_code != 0 and "a password needs at least 10 characters" in weak.output
    mismatched = runner.invoke(args=["set-password", "boss@example.com"],
                               input=f"{NEW_PASSWORD}\nsomething else entirely\n")
    assert mismatched.exit_code != 0 and "do not match" in mismatched.output
    unknown = runner.invoke(args=["set-password", "nobody@example.com"], input=f"{NEW_PASSWORD}\n{NEW_PASSWORD}\n")
    assert unknown.exit_code != 0 and "no account for 'nobody@example.com'" in unknown.output
    assert _signed_in(app, "boss@example.com", "first password")


def test_set_password_reads_standard_input_for_scripts(app, runner):
    runner.invoke(args=["create-admin", "boss@example.com", "--password", "first password"])
    result = runner.invoke(args=["set-password", "boss@example.com", "--stdin"], input=f"{NEW_PASSWORD}\n")
    assert result.exit_code == 0 and "New password" not in result.output
    assert _signed_in(app, "boss@example.com", NEW_PASSWORD)
    weak = runner.invoke(args=["set-password", "boss@example.com", "--stdin"], input="123\n")
    assert weak.exit_code != 0 and _signed_in(app, "boss@example.com", NEW_PASSWORD)
