"""The scheduler across processes, on SQLite and PostgreSQL: two workers racing over the same jobs, a worker
killed while holding a job, and the loop stopped by SIGTERM and started again.

Each worker is a real ``flask scheduler`` process on the same database, with the probe job kind
(tests/survey_app/scheduler_probe.py): its row in ``scheduler_probe`` is keyed by the job, and its line in the log
file records every execution, committed or not.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from survey_app.extensions import db
from survey_app.models.types import as_utc
from survey_app.scheduler import schedule
from survey_app.scheduler.models import ScheduledJob
from tests.survey_app.scheduler_probe import PROBE, PROBE_METADATA

ROOT = Path(__file__).resolve().parents[2]
#: long before any test runs: every job scheduled at it is due for a worker reading the clock
PAST = datetime(2020, 1, 1, tzinfo=UTC)


@pytest.fixture
def workers(app, database_url, tmp_path):
    """Start ``flask scheduler ...`` processes on the test database; all are killed at the end."""
    with app.app_context():
        PROBE_METADATA.create_all(db.engine)
    started: list[subprocess.Popen] = []
    log = tmp_path / "probe.log"

    def _start(*args: str, hold: bool = False, barrier: Path | None = None) -> subprocess.Popen:
        env = {**os.environ, "DATABASE_URL": database_url, "SECRET_KEY": "test-secret-key", "PROBE_LOG": str(log),
               "PYTHONPATH": str(ROOT), "PROBE_HOLD": "1" if hold else "0", "PROBE_BARRIER": str(barrier or "")}
        process = subprocess.Popen(
            [sys.executable, "-m", "flask", "--app", "tests.survey_app.scheduler_probe", "scheduler", *args],
            cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        started.append(process)
        return process

    _start.log = log
    yield _start
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait()
        process.stdout.close()


def _schedule_probes(app, count: int, due_at: datetime = PAST) -> list[str]:
    keys = [f"probe:{n:03d}" for n in range(count)]
    with app.app_context():
        for key in keys:
            schedule(key, due_at, "probe", {"key": key})
        db.session.commit()
    return keys


def _finish(process: subprocess.Popen, timeout: float = 120) -> str:
    output, _ = process.communicate(timeout=timeout)
    assert process.returncode == 0, output
    return output


def _probe_rows(app) -> dict[str, int]:
    with app.app_context():
        rows = dict(db.session.execute(sa.select(PROBE.c.key, PROBE.c.pid)).all())
        db.session.remove()
        return rows


def _jobs(app) -> dict[str, tuple[str, int]]:
    with app.app_context():
        rows = {j.key: (j.state, j.attempts) for j in db.session.scalars(sa.select(ScheduledJob))}
        db.session.remove()
        return rows


def _executions(log: Path) -> Counter:
    return Counter(line.split()[0] for line in log.read_text().splitlines()) if log.exists() else Counter()


def test_two_workers_racing_run_each_of_200_jobs_exactly_once(app, workers, tmp_path):
    keys = _schedule_probes(app, 200)
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    racing = [workers("once", barrier=barrier), workers("once", barrier=barrier)]
    outputs = [_finish(process) for process in racing]

    assert _executions(workers.log) == Counter({key: 1 for key in keys})  # executed once: not merely stored once
    assert sorted(_probe_rows(app)) == keys
    assert _jobs(app) == {key: ("done", 1) for key in keys}
    done = [output.count("done: probe:") for output in outputs]
    assert sum(done) == 200 and min(done) >= 1, done  # both ran jobs (both were inside one at the same time)


def test_a_killed_worker_s_job_is_run_by_another_once_its_lease_has_passed(app, workers):
    keys = _schedule_probes(app, 6)
    holder = workers("once", "--lease", "60", hold=True)
    deadline = time.monotonic() + 60
    while not _executions(workers.log):  # the holder is inside the first job, its row written, not committed
        assert holder.poll() is None and time.monotonic() < deadline, holder.stdout.read()
        time.sleep(0.05)
    holder.send_signal(signal.SIGKILL)
    holder.wait()

    with app.app_context():
        held = db.session.scalar(sa.select(ScheduledJob).filter_by(state="running"))
        held_key, lease_until = held.key, as_utc(held.lease_until)
        db.session.remove()
    assert held_key == keys[0]
    assert _probe_rows(app) == {}  # the killed worker's write died with it

    # before the lease passes nobody takes the held job, the others run
    before = _finish(workers("once", "--now", (lease_until - timedelta(seconds=1)).isoformat()))
    assert held_key not in before and sorted(_probe_rows(app)) == keys[1:]
    after = _finish(workers("once", "--now", (lease_until + timedelta(seconds=1)).isoformat()))
    assert f"done: {held_key}" in after

    assert sorted(_probe_rows(app)) == keys  # nothing lost
    assert _jobs(app) == {**{key: ("done", 1) for key in keys[1:]}, held_key: ("done", 2)}
    # at least once: the held job was started twice, committed once (its row's key is the idempotency key)
    assert _executions(workers.log) == Counter({held_key: 2, **{key: 1 for key in keys[1:]}})


def test_the_loop_stops_on_sigterm_and_a_restart_runs_what_was_scheduled_meanwhile(app, workers):
    first = _schedule_probes(app, 3)
    loop = workers("run", "--interval", "0.2")
    deadline = time.monotonic() + 60
    while len(_probe_rows(app)) < 3:
        assert loop.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    loop.send_signal(signal.SIGTERM)
    output = _finish(loop, timeout=30)
    assert "SIGTERM, stopping after the current job" in output and output.rstrip().endswith("scheduler: stopped")

    with app.app_context():
        for key in ("later:1", "later:2"):
            schedule(key, PAST, "probe", {"key": key})
        db.session.commit()
        db.session.remove()
    assert sorted(_probe_rows(app)) == first  # nobody runs them while no worker is up

    restarted = workers("run", "--interval", "0.2")
    while len(_probe_rows(app)) < 5:
        assert restarted.poll() is None and time.monotonic() < deadline
        time.sleep(0.1)
    restarted.send_signal(signal.SIGTERM)
    _finish(restarted, timeout=30)
    assert _executions(workers.log) == Counter({key: 1 for key in [*first, "later:1", "later:2"]})
