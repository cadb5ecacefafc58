"""Report PDFs for large surveys, rendered outside the request: an embedded thread pool, or RQ on Redis.

The job row (survey_app.models.ReportJob) holds the state, progress and the finished PDF, so the process that
answers the progress poll need not be the one that renders. Without ``REDIS_URL`` each app process runs jobs in
a small thread pool of its own; with ``REDIS_URL`` they go to the ``manyi-reports`` RQ queue and an ``rq worker``
process (any number, on any machine reaching the database) renders them. A finished PDF is served again for the
same survey, language and unit until a new response arrives: the cache key holds the number of complete
responses and the last response id. A job that stays queued or running longer than ``REPORT_JOB_TIMEOUT``
seconds (its process died) counts as failed, and asking again starts a new one.
"""

from __future__ import annotations

import logging
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import Flask, current_app

from survey_app.extensions import db
from survey_app.models import ReportJob, Response, Survey
from survey_app.models.types import as_utc, utcnow

logger = logging.getLogger(__name__)

QUEUE_NAME = "manyi-reports"
_POOL_KEY = "manyi.report_pool"
#: what a job whose worker died (it outlived REPORT_JOB_TIMEOUT) reports
WORKER_GONE = "the worker stopped before the report was finished"
# The settings (REDIS_URL, REPORT_INLINE_MAX_RESPONSES, REPORT_WORKERS, REPORT_JOB_TIMEOUT) and their defaults
# live in survey_app.config, read from the environment when the app is built.


def inline_max() -> int:
    """Largest survey (complete responses) whose report is rendered in the request."""
    return int(current_app.config["REPORT_INLINE_MAX_RESPONSES"])


def redis_url() -> str | None:
    return current_app.config["REDIS_URL"] or None


def complete_responses(survey: Survey) -> tuple[int, int]:
    """Number of complete responses and the largest response id (0 when there is none)."""
    count, last = db.session.execute(
        sa.select(sa.func.count(Response.id), sa.func.max(Response.id))
        .where(Response.survey_id == survey.id, Response.status == "complete")).one()
    return int(count), int(last or 0)


def cache_key(survey: Survey, *, lang: str, unit: str | None) -> str:
    """Survey, language, unit and the response count / last response id: a new response changes the key."""
    count, last = complete_responses(survey)
    return f"{survey.id}:{lang}:{unit or '*'}:{count}:{last}"


def is_stale(job: ReportJob, now: datetime | None = None) -> bool:
    """A queued or running job past the time limit: its worker is gone."""
    limit = timedelta(seconds=int(current_app.config["REPORT_JOB_TIMEOUT"]))
    return job.state in ("queued", "running") and (now or utcnow()) - as_utc(job.created_at) > limit


def find_or_create(survey: Survey, *, lang: str, unit: str | None) -> tuple[ReportJob, bool]:
    """The job for the survey's current responses (finished, queued or running), or a new queued one.

    Returns the job and whether it is new (then the caller commits and calls :func:`enqueue`). Flushes only.
    """
    key = cache_key(survey, lang=lang, unit=unit)
    jobs = db.session.scalars(sa.select(ReportJob).where(
        ReportJob.cache_key == key, ReportJob.state.in_(("queued", "running", "done")))
        .order_by(ReportJob.id.desc())).all()
    for job in jobs:
        if not is_stale(job):
            return job, False
        job.state, job.error = "failed", WORKER_GONE
    job = ReportJob(survey_id=survey.id, language=lang, unit=unit, cache_key=key, state="queued", progress=0)
    db.session.add(job)
    db.session.flush()
    return job, True


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
    pool.submit(_run_in_app, app, job.id)


def _run_in_app(app: Flask, job_id: int) -> None:
    with app.app_context():
        run_job(job_id)


def run_job_in_new_app(job_id: int) -> None:
    """RQ entry point: a fresh app from the environment (DATABASE_URL, SECRET_KEY) runs one job."""
    from survey_app import create_app

    with create_app().app_context():
        try:
            run_job(job_id)
        finally:
            db.engine.dispose()  # this app lives for one job: close its connections now


def _progress(job: ReportJob, percent: int, step: str) -> None:
    job.progress, job.step = percent, step
    db.session.commit()  # each step is visible to the console's poll at once


def run_job(job_id: int) -> None:
    """Render one job's PDF and store it; a failure is recorded on the job, never raised to the worker."""
    from survey_app.services.analysis import RENDERING, survey_report

    job = db.session.get(ReportJob, job_id)
    if job is None or job.state not in ("queued", "running"):
        return
    job.state = "running"
    _progress(job, 10, "analysis")

    def advance(message: str) -> None:
        # the engine announces each of its parts (about ten): move from 10 % toward 70 %, then 75 % to render
        if message == RENDERING:
            _progress(job, 75, "rendering")
        else:
            _progress(job, min(70, job.progress + 6), "analysis")

    try:
        survey = db.session.get(Survey, job.survey_id)
        pdf = survey_report(survey, lang=job.language, unit=job.unit, fmt="pdf", progress=advance)
    except ValueError as exc:  # too few responses, unknown unit: the user can act on the message
        db.session.rollback()
        job.state, job.error = "failed", str(exc)
    except Exception:
        db.session.rollback()
        logger.exception("report job %s failed", job_id)
        job.state, job.error = "failed", "the report could not be rendered; the error is in the server log"
    else:
        job.pdf, job.state = pdf, "done"
        job.progress, job.step = 100, "done"
    job.finished_at = utcnow()
    db.session.commit()


def cached_pdf(survey: Survey, *, lang: str, unit: str | None) -> ReportJob | None:
    """A finished job for the survey's current responses, if there is one."""
    return db.session.scalar(sa.select(ReportJob).where(
        ReportJob.cache_key == cache_key(survey, lang=lang, unit=unit), ReportJob.state == "done")
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
