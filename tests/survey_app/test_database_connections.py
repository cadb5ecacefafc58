"""Pooled connections to PostgreSQL: reads without a transaction, and idle connections tested before use."""

from __future__ import annotations

import psycopg
import pytest
import sqlalchemy as sa

from survey_app import create_app, database
from survey_app.database import request_connection
from survey_app.extensions import db

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_app(postgres, monkeypatch):
    monkeypatch.setenv("SECRET_KEY", "test-secret-key")
    app = create_app({"SQLALCHEMY_DATABASE_URI": postgres.create_database(f"conn_{id(monkeypatch)}"),
                      "TESTING": True})
    yield app
    with app.app_context():
        db.engine.dispose()


def _terminate(postgres, pid: int) -> None:
    with psycopg.connect(f"host=127.0.0.1 port={postgres.port} user=manyi dbname=postgres",
                         autocommit=True) as admin:
        admin.execute("SELECT pg_terminate_backend(%s)", (pid,))


def _backend(connection: sa.Connection) -> int:
    return connection.exec_driver_sql("SELECT pg_backend_pid()").scalar_one()


@pytest.mark.parametrize(("method", "autocommit"), [("GET", True), ("HEAD", True), ("POST", False)])
def test_safe_requests_read_without_a_transaction(pg_app, method, autocommit):
    with pg_app.test_request_context("/", method=method):
        connection = request_connection()
        assert connection.connection.dbapi_connection.autocommit is autocommit
        connection.exec_driver_sql("SELECT 1")
        raw = connection.connection.dbapi_connection
        # no BEGIN was sent for a read: the server sees no open transaction
        assert (raw.info.transaction_status == psycopg.pq.TransactionStatus.IDLE) is autocommit
    # back in the pool, the connection is transactional again for the next POST
    with pg_app.test_request_context("/", method="POST"):
        assert request_connection().connection.dbapi_connection.autocommit is False


def test_a_rested_dead_connection_is_replaced_and_a_busy_one_is_not_tested(pg_app, postgres, monkeypatch):
    with pg_app.app_context():
        engine = db.engine
        with engine.connect() as connection:
            first = _backend(connection)
        _terminate(postgres, first)  # as a server restart would
        # a connection used a moment ago is not tested: the dead one is handed out and fails
        monkeypatch.setattr(database, "PING_AFTER_IDLE", 3600.0)
        with pytest.raises(sa.exc.OperationalError), engine.connect() as connection:
            _backend(connection)
        with engine.connect() as connection:  # the failure made the pool replace it
            second = _backend(connection)
        _terminate(postgres, second)
        # once it has rested longer than PING_AFTER_IDLE it is tested, found dead and replaced before use
        monkeypatch.setattr(database, "PING_AFTER_IDLE", 0.0)
        with engine.connect() as connection:
            third = _backend(connection)
        assert len({first, second, third}) == 3
