"""The report worker of a deployment with Redis: ``flask --app survey_app report-worker``.

RQ's own ``rq worker`` forks a work horse for each job from a process that has loaded nothing of Manyi: each job
then imported the app, the statistics and the PDF stack, built the app and loaded jieba's dictionary before its
report began, about 4 s a job on the 2-core machine. This worker does all of that once, before it waits for jobs
(:func:`preload`), then runs RQ's worker on the reports queue: each horse forked from it starts with everything
loaded (shared copy-on-write) and still ends with its job, so a report's memory goes back to the system and a
crash costs one job. Jobs keep running at the reports' own priority (:mod:`survey_app.services.report_jobs`), and
the worker pauses its job while other work of the machine waits for a processor (:mod:`survey_app.report_pacing`).
"""

from __future__ import annotations

import click
from flask import Flask, current_app
from flask.cli import with_appcontext

from survey_app.extensions import db
from survey_app.report_pacing import OpenWrites
from survey_app.services import report_jobs


def preload(app: Flask) -> OpenWrites:
    """Load what every report job needs into this process, make ``app`` the app its jobs run in, and count its
    engine's writing transactions (returned: the jobs' processes share the count with this one).

    The app's database connections are closed first: a work horse opens its own (a connection shared by two
    processes would mix their conversations)."""
    import factor_analyzer  # noqa: F401  (the factor analysis imports it when first run)

    from analysis import text
    from reports import render

    text.preload()
    render.preload()
    writes = OpenWrites()
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
        writes.track(db.engine)
    report_jobs.run_jobs_in(app)
    return writes


@click.command("report-worker")
@click.option("--url", envvar="REDIS_URL", help="Redis to take report jobs from (default: REDIS_URL).")
@click.option("--burst", is_flag=True, help="Stop once the queue is empty.")
@with_appcontext
def report_worker_command(url: str | None, burst: bool) -> None:
    """Render report jobs from the manyi-reports queue, a forked process per job, everything loaded beforehand."""
    from redis import Redis

    from survey_app.rq_worker import ReportWorker  # RQ only where a worker runs (not in every app process)

    if not url:
        raise click.UsageError("no Redis to take report jobs from: set REDIS_URL (as for the app) or give --url")
    app = current_app._get_current_object()
    writes = preload(app)
    ReportWorker([report_jobs.QUEUE_NAME], connection=Redis.from_url(url), writes=writes,
                 yield_pressure=app.config["REPORT_YIELD_PRESSURE"]).work(burst=burst)
