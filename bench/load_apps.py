"""WSGI entry points for ``python -m bench load``: Manyi without rate limits, a bare Flask baseline, and two
reference apps that do the survey flow's least database work (``floor`` on the driver, ``stack`` on the
libraries Manyi is built on).

gunicorn imports ``bench.load_apps:manyi()`` (or ``bare()``, ``floor()``, ``stack()``) in each worker. All get the
same gunicorn settings (gunicorn.conf.py), so the ratios between them measure each one's own work per request.
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sqlite3
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import Flask, Response, redirect, request, session

PAGES = 3


def manyi() -> Flask:
    """The real app on DATABASE_URL, with rate limits off: the bench is one client firing from one address."""
    from survey_app import create_app

    return create_app({"RATELIMIT_ENABLED": False})


#: roughly the size of a survey page: 10 questions of 5 radio buttons each
_BARE_PAGE = (
    "<!doctype html><html><body><form method=post>"
    '<input name="csrf_token" type="hidden" value="{token}">'
    '<input name="submission_key" type="hidden" value="{key}">'
    + "".join(f'<input type=radio name="Q{i}" value="{v}">' for i in range(10) for v in range(1, 6))
    + "</form></body></html>"
)


def _following_page(slug: str) -> str:
    """Where a posted page leads: the next page, or the thank-you page after the last."""
    following = request.args.get("page", 1, type=int) + 1
    return f"/s/{slug}/thanks" if following > PAGES else f"/s/{slug}?page={following}"


def bare() -> Flask:
    """A bare Flask app: the same pages and redirects, no templates, no session, no database."""
    app = Flask(__name__)

    @app.route("/s/<slug>", methods=["GET", "POST"])
    def page(slug: str):
        if request.method == "POST":
            return redirect(_following_page(slug))
        return _BARE_PAGE.format(token=secrets.token_hex(16), key=secrets.token_hex(16))

    return app


# --- reference apps: the survey flow's least database work -----------------------------------------------------
#
# A page view reads the survey (with the respondent's response, once there is one) in one SELECT. A post reads the
# same, then INSERTs the response with the first page's answers or UPDATEs its answers, and commits; the last page
# marks it complete. No CSRF token check, answer validation, translation, security headers or resume links: what
# is left is the least any survey app on a database does per request.

_READ = ("SELECT s.id, r.id, r.answers FROM survey s"
         " LEFT JOIN response r ON r.survey_id = s.id AND r.id = %(response_id)s WHERE s.slug = %(slug)s")
_INSERT = ("INSERT INTO response (survey_id, submission_key, resume_hash, language, status, furthest_page, answers,"
           " channel, started_at, updated_at) VALUES (%(survey_id)s, %(key)s, %(resume_hash)s, 'en', 'in_progress',"
           " 1, %(answers)s, 'web', %(now)s, %(now)s) RETURNING id")
_UPDATE = ("UPDATE response SET answers = %(answers)s, furthest_page = %(page)s, status = %(status)s,"
           " updated_at = %(now)s, submitted_at = %(submitted_at)s WHERE id = %(response_id)s")


class DriverStore:
    """The flow's statements on the database driver itself (sqlite3 or psycopg), one connection per process."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.sqlite = url.startswith("sqlite")
        self._connection: Any = None

    def _connect(self) -> Any:
        if self._connection is None:  # in the worker, after gunicorn forked it
            if self.sqlite:
                # isolation_level None: no implicit transactions, write() begins and commits its own
                self._connection = sqlite3.connect(sa.make_url(self.url).database, timeout=10,
                                                   isolation_level=None)
                self._connection.execute("PRAGMA synchronous=NORMAL")  # as Manyi's SQLite connections
            else:
                import psycopg

                self._connection = psycopg.connect(sa.make_url(self.url).set(drivername="postgresql")
                                                   .render_as_string(hide_password=False), autocommit=True)
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
            self._connection = None

    def _sql(self, statement: str) -> str:
        return re.sub(r"%\((\w+)\)s", r":\1", statement) if self.sqlite else statement

    def _json(self, answers: dict[str, Any]) -> Any:
        if self.sqlite:
            return json.dumps(answers)
        from psycopg.types.json import Jsonb

        return Jsonb(answers)

    def read(self, slug: str, response_id: int | None) -> tuple[int, dict[str, Any]] | None:
        """The survey's id and the response's answers (empty without one); None for an unknown survey."""
        row = self._connect().execute(self._sql(_READ), {"slug": slug, "response_id": response_id}).fetchone()
        return None if row is None else (row[0], self._answers(row[2]))

    @staticmethod
    def _answers(stored: Any) -> dict[str, Any]:
        return json.loads(stored) if isinstance(stored, str) else stored or {}

    def write(self, slug: str, response_id: int | None, key: str, answers: dict[str, Any], page: int) -> int | None:
        """Store a posted page in one transaction; returns the response's id (None for an unknown survey)."""
        connection = self._connect()
        now = datetime.now(UTC)
        stamp = now.isoformat(" ") if self.sqlite else now
        # SQLite: take the write lock first (a transaction that read, then writes, would fail at once when another
        # process wrote in between instead of waiting its turn)
        connection.execute("BEGIN IMMEDIATE" if self.sqlite else "BEGIN")
        try:
            found = connection.execute(self._sql(_READ), {"slug": slug, "response_id": response_id}).fetchone()
            if found is None:
                connection.execute("ROLLBACK")
                return None
            if found[1] is None:
                response_id = connection.execute(self._sql(_INSERT), {
                    "survey_id": found[0], "key": key, "resume_hash": secrets.token_hex(32),
                    "answers": self._json(answers), "now": stamp}).fetchone()[0]
            else:
                last = page >= PAGES
                connection.execute(self._sql(_UPDATE), {
                    "answers": self._json({**self._answers(found[2]), **answers}), "page": min(page, PAGES - 1),
                    "status": "complete" if last else "in_progress", "now": stamp,
                    "submitted_at": stamp if last else None, "response_id": response_id})
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        return response_id


class CoreStore:
    """The same statements as SQLAlchemy Core on a pooled engine and Manyi's table definitions, reads without a
    transaction on PostgreSQL (as Manyi's page views)."""

    def __init__(self, url: str) -> None:
        from survey_app.models import Response, Survey

        sqlite = url.startswith("sqlite")
        self.engine = sa.create_engine(url, connect_args={"timeout": 10} if sqlite else {})
        if sqlite:
            sa.event.listen(self.engine, "connect", lambda connection, _record: connection.execute(
                "PRAGMA synchronous=NORMAL"))  # as Manyi's SQLite connections
        survey, response = Survey.__table__, Response.__table__
        self.select = (sa.select(survey.c.id, response.c.id, response.c.answers)
                       .select_from(survey.outerjoin(response, sa.and_(
                           response.c.survey_id == survey.c.id, response.c.id == sa.bindparam("response_id"))))
                       .where(survey.c.slug == sa.bindparam("slug")))
        self.insert = sa.insert(response)
        self.update = sa.update(response).where(response.c.id == sa.bindparam("b_id"))

    def close(self) -> None:
        self.engine.dispose()

    def read(self, slug: str, response_id: int | None) -> tuple[int, dict[str, Any]] | None:
        with self.engine.connect() as connection:
            if connection.dialect.name != "sqlite":
                connection.execution_options(isolation_level="AUTOCOMMIT")
            row = connection.execute(self.select, {"slug": slug, "response_id": response_id}).first()
        return None if row is None else (row[0], row[2] or {})

    def write(self, slug: str, response_id: int | None, key: str, answers: dict[str, Any], page: int) -> int | None:
        now = datetime.now(UTC)
        with self.engine.begin() as connection:
            found = connection.execute(self.select, {"slug": slug, "response_id": response_id}).first()
            if found is None:
                return None
            if found[1] is None:
                return connection.execute(self.insert, {
                    "survey_id": found[0], "submission_key": key, "resume_hash": secrets.token_hex(32),
                    "language": "en", "status": "in_progress", "furthest_page": 1, "answers": answers,
                    "channel": "web", "started_at": now, "updated_at": now}).inserted_primary_key[0]
            last = page >= PAGES
            connection.execute(self.update, {
                "b_id": found[1], "answers": {**found[2], **answers}, "furthest_page": min(page, PAGES - 1),
                "status": "complete" if last else "in_progress", "updated_at": now,
                "submitted_at": now if last else None})
            return found[1]


def _reference_app(store: DriverStore | CoreStore, recall: Callable[[], int | None],
                   remember: Callable[[Response, int | None], None],
                   render: Callable[[str, str], str]) -> Flask:
    """The survey flow of ``bare`` with ``store``'s database work; the response's id is kept by ``remember``
    between requests and read back by ``recall``."""
    app = Flask(__name__)
    app.extensions["reference_store"] = store

    @app.route("/s/<slug>", methods=["GET", "POST"])
    def page(slug: str):
        response_id = recall()
        if request.method == "GET":
            if store.read(slug, response_id) is None:
                return "no such survey", 404
            return render(secrets.token_hex(16), secrets.token_hex(16))
        answers = {code: int(value) for code, value in request.form.items() if code.startswith("Q")}
        page_number = request.args.get("page", 1, type=int)
        response_id = store.write(slug, response_id, request.form.get("submission_key", ""), answers, page_number)
        if response_id is None:
            return "no such survey", 404
        reply = redirect(_following_page(slug))
        remember(reply, None if page_number >= PAGES else response_id)
        return reply

    return app


def floor() -> Flask:
    """Bare Flask plus the flow's statements on the database driver, the response's id in a plain cookie: the
    least a survey app on this database can cost per request."""
    def recall() -> int | None:
        return request.cookies.get("response", type=int)

    def remember(reply: Response, response_id: int | None) -> None:
        if response_id is None:
            reply.delete_cookie("response")
        else:
            reply.set_cookie("response", str(response_id))

    return _reference_app(DriverStore(os.environ["DATABASE_URL"]), recall, remember,
                          lambda token, key: _BARE_PAGE.format(token=token, key=key))


_STACK_PAGE = (
    "<!doctype html><html><body><form method=post>"
    '<input name="csrf_token" type="hidden" value="{{ token }}">'
    '<input name="submission_key" type="hidden" value="{{ key }}">'
    "{% for i in range(10) %}{% for v in range(1, 6) %}"
    '<input type=radio name="Q{{ i }}" value="{{ v }}">'
    "{% endfor %}{% endfor %}</form></body></html>"
)


def stack() -> Flask:
    """``floor`` on the libraries Manyi is built on: SQLAlchemy Core on a pooled engine, the response's id in
    Flask's signed session cookie, the page rendered by a Jinja template."""
    def recall() -> int | None:
        return session.get("response")

    def remember(_reply: Response, response_id: int | None) -> None:
        if response_id is None:
            session.pop("response", None)
        else:
            session["response"] = response_id

    app = _reference_app(CoreStore(os.environ["DATABASE_URL"]), recall, remember,
                         lambda token, key: template.render(token=token, key=key))
    app.secret_key = os.environ["SECRET_KEY"]
    template = app.jinja_env.from_string(_STACK_PAGE)
    return app
