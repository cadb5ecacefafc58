"""Rate-limit counters in a small SQLite file that every worker process on the machine shares.

``make run`` serves with gunicorn and two workers, and no Redis: counters kept in each worker's memory let an
attacker try twice as many passwords or links as the limit says (each worker counted on its own). This storage
keeps the counters of the ``limits`` library (fixed windows, as Flask-Limiter uses them) in one SQLite file,
updated in one statement per hit (an UPSERT with RETURNING: atomic across processes) in a transaction that takes
the write lock first, with WAL so readers never wait. The counters are disposable: ``synchronous=OFF`` trades a
crash's last counts for speed. Several app machines need Redis (``REDIS_URL``), which every machine reaches.

URI: ``manyi+sqlite:///absolute/path/to/counters.sqlite`` (the scheme, ``://``, then the absolute path).
"""

from __future__ import annotations

import os
import sqlite3
import threading
import time
from pathlib import Path

from limits.storage import Storage

SCHEME = "manyi+sqlite"
#: expired rows are swept after this many hits of a process
SWEEP_EVERY = 1000
#: tries at switching a new file to WAL while another worker opens it too (50 ms apart)
SETUP_ATTEMPTS = 100


class SQLiteFileStorage(Storage):
    """A ``limits`` storage in one SQLite file; registered under the URI scheme :data:`SCHEME`."""

    STORAGE_SCHEME = [SCHEME]

    def __init__(self, uri: str, wrap_exceptions: bool = False, **options: float | str | bool) -> None:
        super().__init__(uri, wrap_exceptions=wrap_exceptions, **options)
        self.path = Path(uri.split("://", 1)[1])
        self._local = threading.local()
        self._hits = 0

    @property
    def base_exceptions(self) -> type[Exception]:
        return sqlite3.Error

    def _db(self) -> sqlite3.Connection:
        """This thread's connection (a new one after a fork: a connection never crosses processes)."""
        connection = getattr(self._local, "connection", None)
        if connection is None or self._local.pid != os.getpid():
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(self.path, timeout=10, isolation_level=None, check_same_thread=False)
            for attempt in range(SETUP_ATTEMPTS):
                try:  # switching to WAL needs the file to itself: another worker starting at once may hold it
                    connection.execute("PRAGMA journal_mode=WAL")
                    break
                except sqlite3.OperationalError:
                    if attempt == SETUP_ATTEMPTS - 1:
                        raise
                    time.sleep(0.05)
            connection.execute("PRAGMA synchronous=OFF")
            _write(connection, "CREATE TABLE IF NOT EXISTS counter (key TEXT PRIMARY KEY, count INTEGER NOT NULL, "
                   "expires REAL NOT NULL)")
            self._local.connection, self._local.pid = connection, os.getpid()
        return connection

    def incr(self, key: str, expiry: int, amount: int = 1) -> int:
        now = time.time()
        self._hits += 1
        if self._hits % SWEEP_EVERY == 0:
            _write(self._db(), "DELETE FROM counter WHERE expires <= ?", (now,))
        # a window that has run out starts again at this hit
        [(count,)], _ = _write(
            self._db(), "INSERT INTO counter (key, count, expires) VALUES (?1, ?2, ?3) ON CONFLICT (key) DO UPDATE SET "
            "count = CASE WHEN expires <= ?4 THEN ?2 ELSE count + ?2 END, "
            "expires = CASE WHEN expires <= ?4 THEN ?3 ELSE expires END RETURNING count",
            (key, amount, now + expiry, now))
        return int(count)

    def get(self, key: str) -> int:
        row = self._db().execute("SELECT count FROM counter WHERE key = ? AND expires > ?",
                                 (key, time.time())).fetchone()
        return int(row[0]) if row else 0

    def get_expiry(self, key: str) -> float:
        row = self._db().execute("SELECT expires FROM counter WHERE key = ? AND expires > ?",
                                 (key, time.time())).fetchone()
        return float(row[0]) if row else time.time()

    def check(self) -> bool:
        try:
            self._db().execute("SELECT 1")
        except sqlite3.Error:
            return False
        return True

    def reset(self) -> int | None:
        return _write(self._db(), "DELETE FROM counter")[1]

    def clear(self, key: str) -> None:
        _write(self._db(), "DELETE FROM counter WHERE key = ?", (key,))


def _write(connection: sqlite3.Connection, statement: str,
           parameters: tuple[object, ...] = ()) -> tuple[list[tuple[object, ...]], int]:
    """Run a writing statement in a transaction that takes the write lock first (``BEGIN IMMEDIATE``), so a busy
    file is waited for (the connection's timeout); its rows and the number of rows it changed. A statement run on
    its own would read first and then ask for the lock, and SQLite answers "database is locked" at once, without
    waiting, when another process wrote in between: Flask-Limiter then counted in that worker's memory alone."""
    connection.execute("BEGIN IMMEDIATE")
    try:
        cursor = connection.execute(statement, parameters)
        rows = cursor.fetchall()
    except BaseException:
        connection.execute("ROLLBACK")
        raise
    connection.execute("COMMIT")
    return rows, cursor.rowcount


def shared_file_uri(database_url: str, instance_path: str) -> str:
    """Where the counters live without Redis: beside a SQLite database file (so each database - each test's too -
    has its own), else in the instance folder."""
    if database_url.startswith("sqlite:///") and database_url != "sqlite:///:memory:":
        return f"{SCHEME}://{Path(database_url.removeprefix('sqlite:///')).resolve()}-ratelimit"
    return f"{SCHEME}://{Path(instance_path).resolve() / 'ratelimit.sqlite'}"
