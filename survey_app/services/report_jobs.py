"""Report PDFs for large surveys, rendered outside the request: an embedded thread pool, or RQ on Redis.

The job row (survey_app.models.ReportJob) holds the state, progress and the finished PDF, so the process that
answers the progress poll need not be the one that renders. Without ``REDIS_URL`` each app process runs jobs in
a small thread pool of its own; with ``REDIS_URL`` they go to the ``manyi-reports`` RQ queue and a report worker
(``flask --app survey_app report-worker``: any number, on any machine reaching the database) renders them. A
finished PDF is served again for the same survey, language and unit until the responses that report reads change
(:func:`cache_key`).

A job whose process died (SIGKILL, out of memory, a deploy restart) is noticed by its heartbeat: the process
holding a job - the app process whose thread pool has it queued or running, or the RQ worker running it - stamps
``heartbeat_at`` at each progress step and from a small ticker thread every ``REPORT_JOB_HEARTBEAT_INTERVAL``
seconds (default 10), also during the long PDF render. A queued or running job whose stamp is older than
``REPORT_JOB_HEARTBEAT`` seconds (default 60) counts as failed, and asking again starts a new one. A job waiting
in the Redis queue has no stamp (no process holds it yet: a busy worker is not a dead one), so it only has the
outer bound every job has: ``REPORT_JOB_TIMEOUT`` seconds after it was created.
"""

from __future__ import annotations

import hashlib
import logging
import os
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app
from sqlalchemy.exc import IntegrityError

from survey_app.extensions import db
from survey_app.models import ReportJob, Response, Survey
from survey_app.models.types import as_utc, utcnow
from survey_app.services.disclosure import Gate, open_gate

logger = logging.getLogger(__name__)

QUEUE_NAME = "manyi-reports"
_POOL_KEY = "manyi.report_pool"
_HEARTBEAT_KEY = "manyi.report_heartbeat"
_HEARTBEAT_LOCK = threading.Lock()  # one heartbeat per app, even when two requests enqueue at once
#: what a job whose worker died (its heartbeat stopped, or it outlived REPORT_JOB_TIMEOUT) reports
WORKER_GONE = "the worker stopped before the report was finished"
# The settings (REDIS_URL, REPORT_INLINE_MAX_RESPONSES, REPORT_WORKERS, REPORT_JOB_TIMEOUT, REPORT_JOB_HEARTBEAT,
# REPORT_JOB_HEARTBEAT_INTERVAL) and their defaults live in survey_app.config, read from the environment when the
# app is built.


def inline_max() -> int:
    """Largest survey (complete responses) whose report is rendered in the request."""
    return int(current_app.config["REPORT_INLINE_MAX_RESPONSES"])


def redis_url() -> str | None:
    return current_app.config["REDIS_URL"] or None


def complete_responses(survey: Survey) -> tuple[int, int]:
    """Number of complete responses the outputs may read, and the largest response id (0 when there is none)."""
    return _fingerprint(open_gate(survey))


def _fingerprint(gate: Gate, unit_ids: list[int] | None = None) -> tuple[int, int]:
    """Count and largest id of the responses ``gate`` lets out (only those of ``unit_ids`` when given)."""
    query = sa.select(sa.func.count(Response.id), sa.func.max(Response.id)).where(*gate.where())
    if unit_ids is not None:
        query = query.where(Response.unit_id.in_(unit_ids))
    count, last = db.session.execute(query).one()
    return int(count), int(last or 0)


def cache_key(survey: Survey, *, lang: str, unit: str | None, by: str | None = None) -> str:
    """Survey, language, unit, group comparison and a fingerprint of everything the report's content depends on.

    A comparison by an attribute of the participants list (``by``) adds a digest of its name: the attributes of the
    responses' invitees do not change once they answered (an address already invited is skipped by a new list).

    The whole survey's report reads the responses the disclosure gate lets out: their count and last id are in the
    key (for an anonymous survey they change only with a release), and so are the earlier waves' its trends read.

    A unit report reads the responses of the unit and the units below it (this wave and, for trends, the earlier
    waves where the gate showed the unit): their count and last id are in the key, so an answer in another unit
    keeps the cached PDF. Other units' answers still reach a unit report in one way, through the gate's verdict on
    the hierarchy: a sibling growing from 4 to 5 answers can turn a refused unit report into a released one, or
    hide a sub-unit's heatmap cell that was shown. So the key also holds the gate's fingerprint (its hidden units
    and own responses, the minimum group size and release; for each earlier wave, whether it showed the unit).
    Nothing else in a unit report is computed from the rest of the survey (no "compared with the rest" figures;
    the invitation count is left out of unit reports).
    """
    return _cache_key(survey, lang=lang, unit=unit) + (f":by:{_digest([by])}" if by else "")


def _cache_key(survey: Survey, *, lang: str, unit: str | None) -> str:
    from survey_app.services.analysis import series_waves

    gate = open_gate(survey)
    earlier = [(wave, open_gate(wave)) for wave in series_waves(survey)[:-1]]
    if unit is None:
        from survey_app.services.recovery import recovery_fingerprint

        count, last = _fingerprint(gate)
        # the complaint recovery section reads the cases and their follow-ups (services.recovery)
        key = f"{survey.id}:{lang}:*:{count}:{last}:{gate.fingerprint()}:{recovery_fingerprint(survey)}"
        return key + (f":{_digest([[w.id, *_fingerprint(g)] for w, g in earlier])}" if earlier else "")
    count, last = _fingerprint(gate, _subtree(gate, unit))
    parts: list = [gate.fingerprint()]
    for wave, wave_gate in earlier:
        ids = _subtree(wave_gate, unit)
        if ids:
            parts.append([wave.id, wave_gate.fingerprint(), *_fingerprint(wave_gate, ids), wave_gate.shows(unit)])
    return f"{survey.id}:{lang}:{unit}:{count}:{last}:{_digest(parts)}"


def _subtree(gate: Gate, unit: str) -> list[int]:
    """Ids of ``unit`` and the units below it; none for a unit the survey lacks (its report job then fails)."""
    try:
        return gate.subtree_ids(unit)
    except ValueError:
        return []


def _digest(parts: list) -> str:
    return hashlib.sha256(repr(parts).encode()).hexdigest()[:16]


def is_stale(job: ReportJob, now: datetime | None = None) -> bool:
    """A queued or running job whose holder is gone: its heartbeat stopped, or it outlived REPORT_JOB_TIMEOUT.

    A job without a heartbeat waits in the Redis queue (no process holds it yet), so only the outer bound applies.
    """
    if job.state not in ("queued", "running"):
        return False
    now = now or utcnow()
    if now - as_utc(job.created_at) > timedelta(seconds=int(current_app.config["REPORT_JOB_TIMEOUT"])):
        return True
    limit = timedelta(seconds=float(current_app.config["REPORT_JOB_HEARTBEAT"]))
    return job.heartbeat_at is not None and now - as_utc(job.heartbeat_at) > limit


def find_or_create(survey: Survey, *, lang: str, unit: str | None,
                   by: str | None = None) -> tuple[ReportJob, bool]:
    """The job for the survey's current responses (finished, queued or running), or a new queued one.

    Returns the job and whether it is new (then the caller commits and calls :func:`enqueue`). Flushes only.
    """
    key = cache_key(survey, lang=lang, unit=unit, by=by)
    for job in _usable_jobs(key):
        if not is_stale(job):
            return job, False
        job.state, job.error = "failed", WORKER_GONE
    job = ReportJob(survey_id=survey.id, language=lang, unit=unit, breakdown=by, cache_key=key, state="queued",
                    progress=0)
    try:
        with db.session.begin_nested():
            db.session.add(job)
    except IntegrityError:
        # another request started this report at the same moment (one queued or running job per cache key, a
        # unique index): that job serves this request too
        started = next((other for other in _usable_jobs(key) if other.state != "done"), None)
        if started is None:
            raise
        return started, False
    return job, True


def _usable_jobs(cache_key: str) -> list[ReportJob]:
    """The finished, queued and running jobs for ``cache_key``, newest first."""
    return list(db.session.scalars(sa.select(ReportJob).where(
        ReportJob.cache_key == cache_key, ReportJob.state.in_(("queued", "running", "done")))
        .order_by(ReportJob.id.desc())))


def enqueue(job: ReportJob) -> None:
    """Hand a committed job to RQ (REDIS_URL set) or to this process's thread pool."""
    url = redis_url()
    if url:
        from redis import Redis
        from redis.exceptions import RedisError
        from rq import Queue

        try:
            Queue(QUEUE_NAME, connection=Redis.from_url(url)).enqueue(
                run_job_in_new_app, job.id, job_timeout=int(current_app.config["REPORT_JOB_TIMEOUT"]))
            return
        except RedisError:  # Redis is down: render here rather than leave the job queued for nobody
            logger.warning("report job %s: Redis at REDIS_URL is unreachable, rendering in this process", job.id)
    app = current_app._get_current_object()
    pool = app.extensions.get(_POOL_KEY)
    if pool is None:
        pool = app.extensions[_POOL_KEY] = ThreadPoolExecutor(
            max_workers=int(current_app.config["REPORT_WORKERS"]), thread_name_prefix="manyi-report")
    _heartbeat(app).hold(job.id)  # queued in this process: it is alive as long as this process stamps it
    pool.submit(_run_in_app, app, job.id)


#: how far below the survey pages a report job runs (a nice increment; from nice 0 this is 19, the lowest priority):
#: a large survey's report takes the cores only when respondents leave them free. At 10 a 1M report still took a fifth
#: of a 2-core machine from 50 respondents (their pages' p95 124 ms on PostgreSQL, 65 ms without it); at 19, 80-89 ms
REPORT_NICENESS = 19


def lower_priority() -> None:
    """Run the calling thread, and the processes it starts (the report's chart workers), at
    :data:`REPORT_NICENESS` below its present priority: on Linux a thread has a priority of its own, so an app
    process's report thread yields to the threads answering respondents."""
    try:
        thread = threading.get_native_id()
        os.setpriority(os.PRIO_PROCESS, thread, min(19, os.getpriority(os.PRIO_PROCESS, thread) + REPORT_NICENESS))
    except (AttributeError, OSError):  # no per-thread priority here (not Linux), or not allowed: run as it is
        logger.info("report jobs run at the app's own priority", exc_info=True)


#: Linux's autogroups: with them, a session's processes share one slot of the scheduler, and a nice value only counts
#: against the other processes of the session
AUTOGROUP = "/proc/self/autogroup"


def lower_worker_priority() -> None:
    """Lower a process that only renders reports (an RQ worker's job) below the web server: its session to
    :data:`REPORT_NICENESS`, and the calling thread, with the threads it starts, to idle work.

    Where the kernel groups processes by session (autogroup scheduling, the default of many distributions), a report
    worker started in a session of its own (by systemd or a shell) competes with the web server's session as an
    equal, however nice its threads; its session's nice value (:data:`AUTOGROUP`) is what the web server's is weighed
    against. Idle work (``SCHED_IDLE``) is, besides, taken off the processor at once when a respondent's request
    wakes up, where a nice-19 job runs on to the end of its slice (the pages' p95 under a 1M report, 2 runs each on
    PostgreSQL: 104 / 119 ms against 125 / 134 ms). Not for the app's own report threads: their session is the web
    server's, and a thread that holds the interpreter lock must not wait behind everything else the machine runs.
    """
    try:
        with open(AUTOGROUP, "r+", encoding="ascii") as group:
            current = int(group.read().split("nice")[-1].strip() or 0)
            if current < REPORT_NICENESS:  # once per session: each job of a worker calls this
                group.seek(0)
                group.write(str(REPORT_NICENESS))
    except (OSError, ValueError):  # no autogroups (not Linux, or scheduling without them): the threads' nice counts
        logger.info("report jobs run in the session's own scheduling group", exc_info=True)
    try:
        os.sched_setscheduler(0, os.SCHED_IDLE, os.sched_param(0))
    except (AttributeError, OSError):  # no such policy here: nice (lower_priority) alone
        logger.info("report jobs run at their nice value only", exc_info=True)


def _run_in_app(app: Flask, job_id: int) -> None:
    lower_priority()  # a thread of the app's report pool: the survey pages of this process keep theirs
    with app.app_context():
        run_job(job_id)


#: the app the jobs of this process run in when its report worker built one before forking a process per job
#: (:mod:`survey_app.report_worker`); None: each job builds its own
_worker_app: Flask | None = None


def run_jobs_in(app: Flask) -> None:
    """Run this process's RQ jobs (and those of the processes it forks) in ``app``, built once beforehand."""
    global _worker_app
    _worker_app = app


def run_job_in_new_app(job_id: int) -> None:
    """RQ entry point: one job, in the app the report worker built before forking this process (:func:`run_jobs_in`)
    or, under a bare ``rq worker``, in a fresh app from the environment (DATABASE_URL, SECRET_KEY)."""
    from survey_app import create_app

    lower_worker_priority()
    lower_priority()
    app = _worker_app or create_app()
    with app.app_context():
        db.engine.dispose(close=False)  # connections the worker may have left open are its own, not this job's
        try:
            run_job(job_id)
        finally:
            _heartbeat(app).stop()
            db.engine.dispose()  # this process lives for one job: close its connections now


class _Heartbeat:
    """The jobs this process holds (queued in its pool or running) and a daemon thread stamping them.

    The thread runs while there is a job to stamp and stops when the last one is let go. It writes with its own
    connection (one short UPDATE), so it never waits on the worker's session.
    """

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.job_ids: set[int] = set()
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.thread: threading.Thread | None = None

    def hold(self, job_id: int) -> None:
        """Stamp the job now and every interval until :meth:`release`."""
        with self.lock:
            self.job_ids.add(job_id)
            if self.thread is None:
                self.wake.clear()
                self.thread = threading.Thread(target=self._run, name="manyi-report-heartbeat", daemon=True)
                self.thread.start()
        self.beat([job_id])

    def release(self, job_id: int) -> None:
        with self.lock:
            self.job_ids.discard(job_id)
            if not self.job_ids:
                self.wake.set()  # nothing left to stamp: let the thread end now rather than after an interval

    def stop(self) -> None:
        """Let every job go and wait for the thread (an app about to be thrown away)."""
        with self.lock:
            self.job_ids.clear()
            self.wake.set()
            thread = self.thread
        if thread is not None:
            thread.join()

    def beat(self, job_ids: list[int]) -> None:
        try:
            with self.app.app_context(), db.engine.begin() as connection:
                connection.execute(sa.update(ReportJob).where(
                    ReportJob.id.in_(job_ids), ReportJob.state.in_(("queued", "running"))
                ).values(heartbeat_at=utcnow()))
        except sa.exc.SQLAlchemyError:  # the database is briefly away: the next beat tries again
            logger.warning("report jobs %s: the heartbeat could not be stored", job_ids, exc_info=True)

    def _run(self) -> None:
        interval = float(self.app.config["REPORT_JOB_HEARTBEAT_INTERVAL"])
        while True:
            self.wake.wait(interval)
            with self.lock:
                self.wake.clear()  # a job held again after the last release: keep the interval, do not spin
                job_ids = sorted(self.job_ids)
                if not job_ids:
                    self.thread = None
                    return
            self.beat(job_ids)


def _heartbeat(app: Flask) -> _Heartbeat:
    with _HEARTBEAT_LOCK:
        beat = app.extensions.get(_HEARTBEAT_KEY)
        if beat is None:
            beat = app.extensions[_HEARTBEAT_KEY] = _Heartbeat(app)
        return beat


def _progress(job: ReportJob, percent: int, step: str) -> None:
    job.progress, job.step, job.heartbeat_at = percent, step, utcnow()
    db.session.commit()  # each step is visible to the console's poll at once


def run_job(job_id: int) -> None:
    """Render one queued job's PDF and store it; a failure is recorded on the job, never raised to the worker."""
    # claim the job in one statement: a job another worker runs, or one declared dead and replaced, is left alone
    claimed = db.session.execute(sa.update(ReportJob).where(ReportJob.id == job_id, ReportJob.state == "queued")
                                 .values(state="running", heartbeat_at=utcnow())).rowcount
    db.session.commit()
    beat = _heartbeat(current_app._get_current_object())
    try:
        if claimed:
            beat.hold(job_id)
            _render(db.session.get(ReportJob, job_id))
    finally:
        beat.release(job_id)  # also the hold enqueue() took for a job that was no longer queued


def _render(job: ReportJob) -> None:
    from survey_app.services.analysis import RENDERING, survey_report

    _progress(job, 10, "analysis")

    def advance(message: str) -> None:
        # the engine announces each of its parts (about ten): move from 10 % toward 70 %, then 75 % to render
        if message == RENDERING:
            _progress(job, 75, "rendering")
        else:
            _progress(job, min(70, job.progress + 6), "analysis")

    try:
        survey = db.session.get(Survey, job.survey_id)
        pdf = survey_report(survey, lang=job.language, unit=job.unit, by=job.breakdown, fmt="pdf",
                            progress=advance)
    except ValueError as exc:  # too few responses, unknown unit: the user can act on the message
        db.session.rollback()
        job.state, job.error = "failed", str(exc)
    except Exception:
        db.session.rollback()
        logger.exception("report job %s failed", job.id)
        job.state, job.error = "failed", "the report could not be rendered; the error is in the server log"
    else:
        job.pdf, job.state = pdf, "done"
        job.progress, job.step = 100, "done"
    job.finished_at = utcnow()
    db.session.commit()


def cached_pdf(survey: Survey, *, lang: str, unit: str | None, by: str | None = None) -> ReportJob | None:
    """A finished job for the responses the report reads now (:func:`cache_key`), if there is one."""
    return db.session.scalar(sa.select(ReportJob).where(
        ReportJob.cache_key == cache_key(survey, lang=lang, unit=unit, by=by), ReportJob.state == "done")
        .order_by(ReportJob.id.desc()).limit(1))


def job_status(job: ReportJob) -> dict:
    """What the progress page shows: state, percent, step and the error of a failed job."""
    failed = job.state == "failed" or is_stale(job)
    return {
        "id": job.id,
        "state": "failed" if failed else job.state,
        "progress": job.progress,
        "step": job.step,
        "error": job.error or (WORKER_GONE if failed else None),
    }
