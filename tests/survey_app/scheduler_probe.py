"""A Manyi app with a ``probe`` job kind, for the scheduler's tests in other processes.

``flask --app tests.survey_app.scheduler_probe scheduler once`` runs the real scheduler commands with one more
kind. A probe job inserts a row keyed by its payload's ``key`` into ``scheduler_probe`` (its own idempotency key:
the primary key), and first appends ``<key> <pid>`` to the file ``PROBE_LOG`` names, an effect outside the
database that shows every execution, committed or not. With ``PROBE_HOLD=1`` in its environment a worker
inserts the row and then sleeps with the transaction open, until it is killed. With ``PROBE_BARRIER`` naming a
directory, a worker's first job waits there until ``PROBE_WORKERS`` workers are inside a job at the same time, so
a race between them is certain rather than likely.
"""

from __future__ import annotations

import os
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import Flask

from survey_app.extensions import db
from survey_app.scheduler import register

PROBE_METADATA = sa.MetaData()
PROBE = sa.Table(
    "scheduler_probe", PROBE_METADATA,
    sa.Column("key", sa.String(200), primary_key=True),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("run_at", sa.DateTime(timezone=True), nullable=False),
)


_waited = False


def _barrier() -> None:
    """Wait once per process until every racing worker is inside a job (see the module's docstring)."""
    global _waited
    folder = os.environ.get("PROBE_BARRIER")
    if not folder or _waited:
        return
    _waited = True
    Path(folder, str(os.getpid())).touch()
    deadline = time.monotonic() + 60
    while len(os.listdir(folder)) < int(os.environ.get("PROBE_WORKERS", "2")) and time.monotonic() < deadline:
        time.sleep(0.01)


@register("probe")
def probe(payload: dict[str, Any], now: datetime) -> None:
    """Record one execution in the log file and one row per key in the database."""
    _barrier()
    log = os.environ.get("PROBE_LOG")
    if log:
        with open(log, "a", encoding="utf-8") as out:
            out.write(f"{payload['key']} {os.getpid()}\n")
    db.session.execute(sa.insert(PROBE).values(key=payload["key"], pid=os.getpid(), run_at=now))
    if os.environ.get("PROBE_HOLD") == "1":
        db.session.flush()
        time.sleep(600)
    if payload.get("fail"):
        raise RuntimeError("probe asked to fail")


def create_app() -> Flask:
    """The app, with the probe's table."""
    from survey_app import create_app as create_manyi_app

    app = create_manyi_app()
    with app.app_context():
        PROBE_METADATA.create_all(db.engine)
    return app
