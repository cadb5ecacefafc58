"""Schedule jobs and run the due ones, each by one worker at a time, through a lease in the database.

A worker claims a due job in one atomic statement - ``UPDATE ... WHERE id = (SELECT ... FOR UPDATE SKIP LOCKED)``
on PostgreSQL (workers skip each other's rows instead of waiting), the same conditional ``UPDATE`` on SQLite
(whose writers take turns) - setting ``state = 'running'``, ``claimed_by`` and ``lease_until``, and commits. It
then runs the job's function and marks the job done **in the same transaction as the function's writes**, only if
it still holds the lease. A worker that dies (SIGKILL, out of memory, a deploy) leaves a running job whose lease
passes; the next worker to look claims it again. So the work is run at least once, and its database writes are
committed at most once. Effects outside the database (an email) must be made idempotent by the work itself: write
a row with a unique key (an outbox message per invitation and step) in the job's transaction and act on the row.

Time is an argument (``now``): nothing here reads the clock.
"""

from __future__ import annotations

import logging
import os
import socket
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from survey_app.extensions import db
from survey_app.models.types import utcnow
from survey_app.scheduler.models import ScheduledJob

logger = logging.getLogger(__name__)

#: a job kind's function: the job's payload and the time the worker runs it at; it writes through db.session
#: (flush only; the runner commits) and raises to fail the attempt
JobFunction = Callable[[dict[str, Any], datetime], None]

#: kind -> function (see :func:`register`)
KINDS: dict[str, JobFunction] = {}
#: how long a claim holds a job; a job function must finish well within it
DEFAULT_LEASE = timedelta(minutes=5)
#: jobs one :func:`run_due` call runs at most (the loop calls it again with a fresh time)
DEFAULT_BATCH = 100
#: what a job whose lease passed ``max_attempts`` times says
LEASE_LOST = "its worker stopped before finishing, on every attempt"


def register(kind: str) -> Callable[[JobFunction], JobFunction]:
    """Decorator: run jobs of ``kind`` with the decorated function."""

    def _register(function: JobFunction) -> JobFunction:
        KINDS[kind] = function
        return function

    return _register


def worker_name() -> str:
    """A worker id unique across hosts and restarts: host, process id and a random part."""
    return f"{socket.gethostname()[:60]}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


def utc(moment: datetime, name: str) -> datetime:
    """``moment`` in UTC, as every time is stored (SQLite compares the stored text); a naive time is refused."""
    if moment.tzinfo is None:
        raise ValueError(f"{name} must carry a time zone (a naive datetime is ambiguous): {moment.isoformat()}")
    return moment.astimezone(UTC)


def dialect_insert(dialect: str):
    """The INSERT construct with ON CONFLICT of the dialect (PostgreSQL's or SQLite's)."""
    return postgresql.insert if dialect == "postgresql" else sqlite.insert


def schedule(key: str, due_at: datetime, kind: str, payload: dict[str, Any], *,
             max_attempts: int = 5) -> ScheduledJob:
    """The job ``key``: created due at ``due_at``, or moved to ``due_at`` with the new payload when it is still
    waiting; a job that is running, done or failed is left as it is. Flushes only.

    Two processes scheduling the same key at once make one job (an ``INSERT ... ON CONFLICT DO NOTHING`` on the
    unique key).
    """
    if kind not in KINDS:
        raise ValueError(f"job kind must be one of {sorted(KINDS)}, not {kind!r}")
    due_at = utc(due_at, "due_at")
    db.session.flush()
    insert = dialect_insert(db.session.get_bind().dialect.name)
    db.session.execute(insert(ScheduledJob).values(
        key=key, kind=kind, payload=payload, due_at=due_at, state="due", attempts=0, max_attempts=max_attempts,
        created_at=utcnow(),  # a record of when, never compared: the logic reads no clock
    ).on_conflict_do_nothing(index_elements=["key"]))
    db.session.execute(sa.update(ScheduledJob).where(ScheduledJob.key == key, ScheduledJob.state == "due")
                       .values(due_at=due_at, payload=payload, kind=kind)
                       .execution_options(synchronize_session=False))
    job = db.session.scalar(sa.select(ScheduledJob).where(ScheduledJob.key == key))
    db.session.refresh(job)
    return job


def cancel(key: str) -> bool:
    """Remove the job ``key`` if it is still waiting; True when one was removed. Flushes only."""
    result = db.session.execute(sa.delete(ScheduledJob).where(ScheduledJob.key == key, ScheduledJob.state == "due")
                                .execution_options(synchronize_session=False))
    return result.rowcount > 0


def _claimable(now: datetime) -> sa.ColumnElement[bool]:
    """Due and waiting, or running under a lease that has passed (its worker is gone)."""
    return sa.or_(
        sa.and_(ScheduledJob.state == "due", ScheduledJob.due_at <= now),
        sa.and_(ScheduledJob.state == "running", ScheduledJob.lease_until <= now,
                ScheduledJob.attempts < ScheduledJob.max_attempts),
    )


def claim(now: datetime, worker_id: str, lease: timedelta = DEFAULT_LEASE) -> ScheduledJob | None:
    """Claim the earliest claimable job for ``worker_id`` and commit the claim; None when there is none."""
    now = utc(now, "now")
    candidate = (sa.select(ScheduledJob.id).where(_claimable(now)).order_by(ScheduledJob.due_at, ScheduledJob.id)
                 .limit(1).with_for_update(skip_locked=True).scalar_subquery())  # FOR UPDATE: PostgreSQL only
    job_id = db.session.scalar(
        sa.update(ScheduledJob).where(ScheduledJob.id == candidate, _claimable(now))
        .values(state="running", claimed_by=worker_id, lease_until=now + lease,
                attempts=ScheduledJob.attempts + 1)
        .returning(ScheduledJob.id).execution_options(synchronize_session=False))
    db.session.commit()
    return db.session.get(ScheduledJob, job_id) if job_id is not None else None


def _give_up_lost(now: datetime) -> None:
    """Fail the running jobs whose lease passed on their last allowed attempt, and commit."""
    db.session.execute(
        sa.update(ScheduledJob)
        .where(ScheduledJob.state == "running", ScheduledJob.lease_until <= now,
               ScheduledJob.attempts >= ScheduledJob.max_attempts)
        .values(state="failed", last_error=LEASE_LOST, finished_at=now, claimed_by=None, lease_until=None)
        .execution_options(synchronize_session=False))
    db.session.commit()


def retry_delay(attempts: int) -> timedelta:
    """Wait before the next attempt after ``attempts`` failed ones: 1, 2, 4, ... minutes, at most an hour."""
    return timedelta(minutes=min(2 ** (attempts - 1), 60))


@dataclass
class RunSummary:
    """What one :func:`run_due` call did, by job key."""

    done: list[str] = field(default_factory=list)
    #: failed this time and due again later
    retried: list[str] = field(default_factory=list)
    #: failed for good (``max_attempts`` reached)
    failed: list[str] = field(default_factory=list)
    #: finished after another worker had taken the job over (its lease had passed): the work was rolled back
    lost: list[str] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.done) + len(self.retried) + len(self.failed) + len(self.lost)


def _holds(job_id: int, worker_id: str) -> sa.ColumnElement[bool]:
    return sa.and_(ScheduledJob.id == job_id, ScheduledJob.state == "running", ScheduledJob.claimed_by == worker_id)


def run_job(job: ScheduledJob, now: datetime, worker_id: str, summary: RunSummary) -> None:
    """Run a claimed job: its writes and the ``done`` mark in one transaction, or a failure recorded."""
    job_id, key, attempts, max_attempts = job.id, job.key, job.attempts, job.max_attempts
    try:
        function = KINDS.get(job.kind)
        if function is None:
            raise LookupError(f"no function registered for job kind {job.kind!r}")
        function(dict(job.payload), now)
        finished = db.session.execute(
            sa.update(ScheduledJob).where(_holds(job_id, worker_id))
            .values(state="done", finished_at=now, lease_until=None, last_error=None)
            .execution_options(synchronize_session=False)).rowcount
        if not finished:
            db.session.rollback()
            logger.warning("job %s was taken over by another worker; its work here is rolled back", key)
            summary.lost.append(key)
            return
        db.session.commit()
        summary.done.append(key)
    except Exception as exc:  # noqa: BLE001 - any failure of the work is recorded on the job
        db.session.rollback()
        logger.exception("job %s failed (attempt %s of %s)", key, attempts, max_attempts)
        final = attempts >= max_attempts
        values: dict[str, Any] = {"last_error": f"{type(exc).__name__}: {exc}"[:2000], "claimed_by": None,
                                  "lease_until": None}
        if final:
            values.update(state="failed", finished_at=now)
        else:
            values.update(state="due", due_at=now + retry_delay(attempts))
        db.session.execute(sa.update(ScheduledJob).where(_holds(job_id, worker_id)).values(**values)
                           .execution_options(synchronize_session=False))
        db.session.commit()
        (summary.failed if final else summary.retried).append(key)


def run_due(now: datetime, worker_id: str, *, lease: timedelta = DEFAULT_LEASE, limit: int = DEFAULT_BATCH,
            should_stop: Callable[[], bool] = lambda: False) -> RunSummary:
    """Claim and run the jobs due at ``now``, one at a time, until none is left, ``limit`` have run or
    ``should_stop()`` says so (checked between jobs). Commits after each claim and each job."""
    now = utc(now, "now")
    summary = RunSummary()
    _give_up_lost(now)
    while len(summary) < limit and not should_stop():
        job = claim(now, worker_id, lease)
        if job is None:
            break
        run_job(job, now, worker_id, summary)
    return summary
