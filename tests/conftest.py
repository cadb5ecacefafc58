"""Shared fixtures: an app on a fresh, migrated SQLite database per test."""

from __future__ import annotations

import os
import re
import sqlite3
import uuid
from collections.abc import Callable, Iterator
from contextlib import closing
from pathlib import Path

import jinja2
import pytest
import sqlalchemy as sa
import yaml
from flask import Flask
from flask.testing import FlaskClient
from flask_migrate import upgrade
from hypothesis import HealthCheck, settings

from instruments.registry import load_instrument
from survey_app import create_app
from survey_app.extensions import db
from survey_app.models import InstrumentRecord, Survey
from survey_app.services.surveys import create_survey
from tests.pg_server import PostgresServer

# Property-based tests: derandomised (the same examples every run) under CI=true, so CI never depends on luck;
# HYPOTHESIS_PROFILE=fuzz (make fuzz) explores at random, ten times as long.
settings.register_profile("ci", derandomize=True, database=None, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("dev", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("fuzz", max_examples=1000, deadline=None, suppress_health_check=list(HealthCheck),
                          derandomize=False)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE") or ("ci" if os.environ.get("CI") else "dev"))


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Mark every hypothesis test ``property`` (``make fuzz`` runs them alone)."""
    for item in items:
        if getattr(getattr(item, "obj", None), "is_hypothesis_test", False):
            item.add_marker(pytest.mark.property)

#: A small instrument that exercises every respondent-flow rule: scales, required, conditions, pages, units.
FLOW_INSTRUMENT = {
    "id": "flow_test",
    "version": "1",
    "title": {"zh": "流程测试问卷", "en": "Flow test survey"},
    "constructs": {"Satisfaction": {"label": {"zh": "满意度", "en": "Satisfaction"}}},
    "scales": {
        "branch": {"kind": "single", "options": [
            {"value": "north", "label": {"zh": "北区", "en": "North"}},
            {"value": "south", "label": {"zh": "南区", "en": "South"}},
        ]},
        "channels": {"kind": "multiple", "options": [
            {"value": "web", "label": {"zh": "网站", "en": "Website"}},
            {"value": "app", "label": {"zh": "手机应用", "en": "App"}},
            {"value": "shop", "label": {"zh": "门店", "en": "Shop"}},
        ]},
        "visits": {"kind": "numeric", "min": 0, "max": 365},
    },
    "pages": [
        {"id": "p1", "title": {"zh": "总体评价", "en": "Overall"}, "items": [
            {"code": "SAT", "text": {"zh": "总体而言，您有多满意？", "en": "Overall, how satisfied are you?"},
             "scale": "rating10", "role": "satisfaction", "construct": "Satisfaction"},
            {"code": "PROBLEM", "text": {"zh": "您遇到过问题吗？", "en": "Did you have a problem?"},
             "scale": "yesno", "role": "problem"},
            {"code": "PROBLEM_TEXT", "text": {"zh": "是什么问题？", "en": "What was the problem?"},
             "scale": "text", "role": "open_text", "required": False,
             "show_if": {"item": "PROBLEM", "in": [1]}},
        ]},
        {"id": "p2", "title": {"zh": "使用情况", "en": "Usage"}, "items": [
            {"code": "BRANCH", "text": {"zh": "您通常去哪个网点？", "en": "Which branch do you use?"},
             "scale": "branch", "role": "unit"},
            {"code": "CHANNELS", "text": {"zh": "您使用哪些渠道？", "en": "Which channels do you use?"},
             "scale": "channels", "role": "other", "required": False},
            {"code": "VISITS", "text": {"zh": "去年您来了几次？", "en": "How many visits last year?"},
             "scale": "visits", "role": "other", "required": False},
        ]},
        {"id": "p3", "title": {"zh": "推荐", "en": "Recommendation"}, "items": [
            {"code": "NPS", "text": {"zh": "您有多大可能向朋友推荐我们？", "en": "How likely are you to recommend us?"},
             "scale": "nps11", "role": "recommend"},
            {"code": "COMMENT", "text": {"zh": "还有什么想告诉我们的？", "en": "Anything else to tell us?"},
             "scale": "text", "role": "open_text", "required": False},
        ]},
    ],
}


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """One PostgreSQL server for the whole run (a database per test); never skipped when missing."""
    server = PostgresServer().start()
    yield server
    server.stop()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """Each app test runs on the embedded default (SQLite) and on a real PostgreSQL server."""
    yield from new_database(request, tmp_path)


def new_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A new empty database of the kind ``request.param`` names (sqlite or postgresql); dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'test.db'}"
        return
    server = request.getfixturevalue("postgres")
    name = f"t_{uuid.uuid4().hex[:16]}"
    yield server.create_database(name)
    server.drop_database(name)


#: werkzeug's scrypt with N = 2**10 instead of 2**15: the same algorithm, each hash and check 32 times cheaper
TEST_PASSWORD_HASH = "scrypt:1024:8:1"


class MigratedDatabases:
    """The schema migrated with Alembic once per kind of database in this process; each test gets a copy of it.

    Migrating takes 0.3 s on SQLite and about 1 s on PostgreSQL, a copy a few milliseconds: the same tables,
    indexes and ``alembic_version`` row as migrating the test's own database, without paying for it per test
    (the migrations themselves are checked by tests/survey_app/test_migrations.py and by this first run)."""

    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.sqlite_template: Path | None = None
        self.postgres_template: str | None = None

    @staticmethod
    def _migrate(url: str) -> None:
        app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": url})
        with app.app_context():
            upgrade()
            db.engine.dispose()  # a PostgreSQL template must have no open connection; SQLite folds its WAL back

    def copy_into(self, url: str, request: pytest.FixtureRequest) -> None:
        """Make the new, empty database at ``url`` a copy of the migrated one of its kind."""
        target = sa.make_url(url)
        if target.get_backend_name() == "sqlite":
            if self.sqlite_template is None:
                template = self.directory / "migrated.db"
                self._migrate(f"sqlite:///{template}")
                self.sqlite_template = template
            with closing(sqlite3.connect(self.sqlite_template)) as source, \
                    closing(sqlite3.connect(target.database)) as copy:
                source.backup(copy)
            return
        server: PostgresServer = request.getfixturevalue("postgres")
        if self.postgres_template is None:
            server.create_database("migrated_template")
            self._migrate(server.url("migrated_template"))
            self.postgres_template = "migrated_template"
        server.drop_database(target.database)
        server.create_database(target.database, template=self.postgres_template)


class CompiledTemplates(jinja2.BytecodeCache):
    """The console's templates compiled once per process and shared by every test's app (each new app would
    compile each template it renders again); a template whose source differs is compiled anew (jinja checks)."""

    def __init__(self) -> None:
        self.compiled: dict[str, bytes] = {}

    def load_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        if bucket.key in self.compiled:
            bucket.bytecode_from_string(self.compiled[bucket.key])

    def dump_bytecode(self, bucket: jinja2.bccache.Bucket) -> None:
        self.compiled[bucket.key] = bucket.bytecode_to_string()


COMPILED_TEMPLATES = CompiledTemplates()


@pytest.fixture(scope="session")
def migrated_databases(tmp_path_factory: pytest.TempPathFactory) -> MigratedDatabases:
    return MigratedDatabases(tmp_path_factory.mktemp("migrated"))


@pytest.fixture
def app(database_url: str, migrated_databases: MigratedDatabases, request: pytest.FixtureRequest,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[Flask]:
    """An app on a new database, migrated with Alembic like a real install (a copy of the migrated schema)."""
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    migrated_databases.copy_into(database_url, request)
    # rate limits off: tests post far faster than people; tests/survey_app/test_rate_limits.py turns them on
    # mail sent by the tests' own calls (tests/survey_app/test_mail.py), not by a thread after the console queued
    # passwords hashed with the product's scrypt at 1/32 of its cost (tests/survey_app/test_config.py checks the
    # product's own): a hash and each sign-in took 0.1 s, several times per test
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "RATELIMIT_ENABLED": False,
                      "MAIL_SEND_IN_BACKGROUND": False, "PASSWORD_HASH_METHOD": TEST_PASSWORD_HASH})
    app.jinja_env.bytecode_cache = COMPILED_TEMPLATES
    yield app
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    return app.test_client()


@pytest.fixture
def runner(app: Flask):
    return app.test_cli_runner()


@pytest.fixture
def make_survey(app: Flask, tmp_path: Path) -> Callable[..., str]:
    """Factory: store an instrument definition (default FLOW_INSTRUMENT) and create a survey; returns its slug."""

    def _make(slug: str = "flow", definition: dict | None = None, **options) -> str:
        definition = definition or FLOW_INSTRUMENT
        path = tmp_path / f"{definition['id']}.yaml"
        path.write_text(yaml.safe_dump(definition, allow_unicode=True), encoding="utf-8")
        instrument = load_instrument(path)
        with app.app_context():
            if db.session.query(InstrumentRecord).filter_by(key=instrument.id).first() is None:
                db.session.add(InstrumentRecord(key=instrument.id, version=instrument.version,
                                                definition=instrument.snapshot()))
            create_survey(slug=slug, instrument_keys=[instrument.id], **options)
            db.session.commit()
        return slug

    return _make


def sign_in(app: Flask, client: FlaskClient, email: str, password: str, *, token_name: str) -> str:
    """An admin account made and signed in to the console through ``client`` (CSRF checks off); returns an API
    token of theirs."""
    from survey_app.services.api_tokens import create_api_token
    from survey_app.services.users import create_user

    with app.app_context():
        user, _ = create_user(email, password, role="admin")
        _, token = create_api_token(user, token_name)
        db.session.commit()
    app.config["WTF_CSRF_ENABLED"] = False
    assert client.post("/admin/login", data={"email": email, "password": password}).status_code == 302
    return token


def csrf_token(html: str) -> str:
    """The CSRF token of the form in ``html``."""
    match = re.search(r'<input[^>]*name="csrf_token"[^>]*value="([^"]+)"', html)
    if not match:
        raise AssertionError("no CSRF token in page")
    return match.group(1)


def submission_key(html: str) -> str:
    match = re.search(r'name="submission_key" type="hidden" value="([^"]*)"', html)
    if not match:
        raise AssertionError("no submission key in page")
    return match.group(1)


def survey_by_slug(app: Flask, slug: str) -> Survey:
    with app.app_context():
        survey = db.session.query(Survey).filter_by(slug=slug).one()
        db.session.expunge(survey)
        return survey
