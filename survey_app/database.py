"""Engine settings that depend on the database kind."""

from __future__ import annotations

import time

import sqlalchemy as sa
from flask import Flask, g, request

from survey_app.extensions import db

#: the requests whose connection reads without a transaction (see ``request_connection``)
SAFE_METHODS = frozenset({"GET", "HEAD"})
#: seconds a database server's connection may rest in the pool before it is tested again (see ping_idle_connections)
PING_AFTER_IDLE = 5.0


def init_engine_events(app: Flask) -> None:
    """SQLite: WAL journal, a busy timeout for concurrent writers, and foreign keys enforced. A database server:
    idle connections tested before use."""
    with app.app_context():
        engine = db.engine
    if engine.dialect.name != "sqlite":
        ping_idle_connections(engine)
        return

    @sa.event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection, _record):  # pragma: no cover - exercised by every SQLite test
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def ping_idle_connections(engine: sa.Engine) -> None:
    """Test a pooled connection to a database server before use when it has rested over ``PING_AFTER_IDLE``
    seconds, and replace it when it is dead (a server restart or a network blip kills idle connections).

    ``pool_pre_ping`` tested every checkout: one more round trip for every request, about 6 % of a survey page's
    processor time on PostgreSQL, although a connection used a moment ago is alive. A connection that dies while
    busy fails with or without the test. Raising DisconnectionError makes the pool discard the connection and
    open another (SQLAlchemy's documented way for a checkout handler).
    """

    @sa.event.listens_for(engine, "checkin")
    def _rested_from(_dbapi_connection, record) -> None:
        record.info["idle_since"] = time.monotonic()

    @sa.event.listens_for(engine, "checkout")
    def _test_if_rested(dbapi_connection, record, _proxy) -> None:
        idle_since = record.info.get("idle_since")  # None for a new connection (info is cleared on reconnect)
        if idle_since is None or time.monotonic() - idle_since < PING_AFTER_IDLE:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as exc:
            raise sa.exc.DisconnectionError(f"pooled connection is dead: {exc}") from exc


def request_connection() -> sa.Connection:
    """This request's Core connection, outside the ORM session; closed (and rolled back unless committed) when
    the request ends.

    The respondent pages run a few plain statements per request: beginning, committing and closing an ORM
    session around them cost more than the statements (about 100 microseconds a request on SQLite).

    GET and HEAD requests only read (HTTP's safe methods; no view may write in one, but for the first opening of an
    identified survey's personal link: one idempotent UPDATE, invitations.mark_opened). On a database server their
    statements run without a transaction (autocommit), saving the BEGIN and ROLLBACK round trips: two of the
    four a page view cost on PostgreSQL. SQLite's driver begins no transaction for a SELECT anyway.
    """
    connection = g.get("_request_connection")
    if connection is None:
        connection = db.engine.connect()
        if request.method in SAFE_METHODS and connection.dialect.name != "sqlite":
            connection.execution_options(isolation_level="AUTOCOMMIT")
        g._request_connection = connection
    return connection


def init_request_connections(app: Flask) -> None:
    """Close each request's ``request_connection`` when its app context ends."""

    @app.teardown_appcontext
    def _close_request_connection(_exc: BaseException | None) -> None:
        connection = g.pop("_request_connection", None)
        if connection is not None:
            connection.close()
