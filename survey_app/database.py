"""Engine settings that depend on the database kind."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask, g

from survey_app.extensions import db


def engine_options(url: str) -> dict:
    """Pool settings for ``url``: a database server's connections are tested before use, since they die with a
    server restart or a network blip; a SQLite file has no connection to lose (the test was one more statement
    per request)."""
    return {} if url.startswith("sqlite") else {"pool_pre_ping": True}


def init_engine_events(app: Flask) -> None:
    """SQLite: WAL journal, a busy timeout for concurrent writers, and foreign keys enforced."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        return

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - exercised by every SQLite test
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def request_connection() -> sa.Connection:
    """This request's Core connection, outside the ORM session; closed (and rolled back unless committed) when
    the request ends.

    The respondent pages run a few plain statements per request: beginning, committing and closing an ORM
    session around them cost more than the statements (about 100 microseconds a request on SQLite).
    """
    connection = g.get("_request_connection")
    if connection is None:
        connection = g._request_connection = db.engine.connect()
    return connection


def init_request_connections(app: Flask) -> None:
    """Close each request's ``request_connection`` when its app context ends."""

    @app.teardown_appcontext
    def _close_request_connection(_exc: BaseException | None) -> None:
        connection = g.pop("_request_connection", None)
        if connection is not None:
            connection.close()
