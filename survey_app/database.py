"""Engine settings that depend on the database kind."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Flask

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
