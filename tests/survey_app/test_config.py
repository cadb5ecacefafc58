"""Configuration from the environment."""

from __future__ import annotations

import pytest

from survey_app import create_app
from survey_app.config import ConfigError


def test_production_refuses_to_start_without_secret_key(monkeypatch):
    monkeypatch.setenv("MANYI_ENV", "production")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app()


def test_production_uses_secure_cookies(monkeypatch, tmp_path):
    monkeypatch.setenv("MANYI_ENV", "production")
    monkeypatch.setenv("SECRET_KEY", "a-real-secret-from-the-environment")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'p.db'}")
    app = create_app()
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SECRET_KEY"] == "a-real-secret-from-the-environment"
    assert app.config["SQLALCHEMY_DATABASE_URI"].endswith("p.db")
    assert app.debug is False


def test_development_default_is_sqlite_in_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    monkeypatch.delenv("MANYI_ENV", raising=False)
    monkeypatch.setenv("SECRET_KEY", "dev")
    app = create_app()
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + app.instance_path + "/manyi.db"


def test_report_job_settings_come_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "dev")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'j.db'}")
    defaults = create_app().config
    assert (defaults["REPORT_JOB_HEARTBEAT"], defaults["REPORT_JOB_HEARTBEAT_INTERVAL"],
            defaults["REPORT_JOB_TIMEOUT"]) == (60, 10, 1800)
    monkeypatch.setenv("REPORT_JOB_HEARTBEAT", "120")
    monkeypatch.setenv("REPORT_JOB_HEARTBEAT_INTERVAL", "15")
    configured = create_app().config
    assert (configured["REPORT_JOB_HEARTBEAT"], configured["REPORT_JOB_HEARTBEAT_INTERVAL"]) == (120, 15)
    monkeypatch.setenv("REPORT_JOB_HEARTBEAT", "a minute")
    with pytest.raises(ConfigError, match="REPORT_JOB_HEARTBEAT must be a whole number"):
        create_app()
    # a live job must beat at least three times within the limit, else a slow beat has it rendered twice
    for limit, interval in (("60", "30"), ("60", "0"), ("2", "1")):
        monkeypatch.setenv("REPORT_JOB_HEARTBEAT", limit)
        monkeypatch.setenv("REPORT_JOB_HEARTBEAT_INTERVAL", interval)
        with pytest.raises(ConfigError, match=rf"REPORT_JOB_HEARTBEAT_INTERVAL \({interval} s\) must be from 1 "
                                              rf"second to a third of REPORT_JOB_HEARTBEAT \({limit} s\)"):
            create_app()
    monkeypatch.setenv("REPORT_JOB_HEARTBEAT", "60")
    monkeypatch.setenv("REPORT_JOB_HEARTBEAT_INTERVAL", "20")
    assert create_app().config["REPORT_JOB_HEARTBEAT_INTERVAL"] == 20



def test_how_much_waiting_makes_a_report_worker_pause_its_job_is_a_percentage(monkeypatch, tmp_path):
    monkeypatch.setenv("SECRET_KEY", "dev")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'y.db'}")
    monkeypatch.delenv("REPORT_YIELD_PRESSURE", raising=False)
    assert create_app().config["REPORT_YIELD_PRESSURE"] == 10
    monkeypatch.setenv("REPORT_YIELD_PRESSURE", "0")  # never: a worker on a machine of its own
    assert create_app().config["REPORT_YIELD_PRESSURE"] == 0
    monkeypatch.setenv("REPORT_YIELD_PRESSURE", "150")
    with pytest.raises(ConfigError, match=r"REPORT_YIELD_PRESSURE is a percentage \(0-100\), got 150"):
        create_app()
    monkeypatch.setenv("REPORT_YIELD_PRESSURE", "10%")
    with pytest.raises(ConfigError, match="REPORT_YIELD_PRESSURE must be a whole number"):
        create_app()


@pytest.mark.parametrize(("value", "expected"), [
    (None, []), ("", []), ("old-key", ["old-key"]), (" old-key , older-key,", ["old-key", "older-key"]),
])
def test_secret_key_fallbacks_come_from_the_environment(monkeypatch, tmp_path, value, expected):
    monkeypatch.setenv("SECRET_KEY", "the-current-key")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'k.db'}")
    if value is None:
        monkeypatch.delenv("SECRET_KEY_FALLBACKS", raising=False)
    else:
        monkeypatch.setenv("SECRET_KEY_FALLBACKS", value)
    assert create_app().config["SECRET_KEY_FALLBACKS"] == expected


def test_console_passwords_are_hashed_with_werkzeugs_full_cost_scrypt(monkeypatch, tmp_path):
    """The tests' apps hash at a lower cost (tests/conftest.py); the product keeps werkzeug's default."""
    from survey_app.extensions import db
    from survey_app.models import User

    monkeypatch.setenv("SECRET_KEY", "dev")
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{tmp_path / 'h.db'}")
    app = create_app()
    assert app.config["PASSWORD_HASH_METHOD"] == "scrypt"
    with app.app_context():
        user = User(email="a@example.com", role="admin")
        user.set_password("correct horse battery")
        assert user.password_hash.startswith("scrypt:32768:8:1$")
        assert user.check_password("correct horse battery") and not user.check_password("wrong")
        db.engine.dispose()
