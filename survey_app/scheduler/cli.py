"""``flask --app survey_app scheduler ...``: the worker loop, a single pass for cron, and a survey's reminder plan."""

from __future__ import annotations

import logging
import signal
import threading
from datetime import UTC, datetime, timedelta

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from survey_app.extensions import db
from survey_app.models.types import as_utc, utcnow
from survey_app.scheduler.jobs import DEFAULT_BATCH, RunSummary, run_due, worker_name
from survey_app.scheduler.models import JOB_STATES, ReminderPlan, ScheduledJob
from survey_app.services.mail import send_queued

logger = logging.getLogger(__name__)

scheduler_group = AppGroup("scheduler", help="Run scheduled jobs (reminders) and plan a survey's reminders.")


def _echo(summary: RunSummary) -> None:
    for label, keys in (("done", summary.done), ("retry later", summary.retried), ("failed", summary.failed),
                        ("taken over", summary.lost)):
        for key in keys:
            click.echo(f"{label}: {key}")


def _at(value: str | None) -> datetime | None:
    if value is None:
        return None
    moment = datetime.fromisoformat(value)
    return (moment if moment.tzinfo else moment.replace(tzinfo=UTC)).astimezone(UTC)


def _daily(now: datetime) -> None:
    """Make the recurring jobs: the day's retention run, the hour's answer blocks; each is made once, however many
    passes ask."""
    from survey_app.services.answer_blocks import schedule_hourly
    from survey_app.services.retention import schedule_daily

    schedule_daily(now)
    schedule_hourly(now)
    db.session.commit()


lease_option = click.option("--lease", type=click.IntRange(5, 86400), default=300, show_default=True,
                            help="seconds a claimed job is held before another worker may take it over")
# tests run a pass as if at a given time (a lease that has passed); operators never need it
now_option = click.option("--now", "now_text", hidden=True)


@scheduler_group.command("once")
@lease_option
@now_option
def once_command(lease: int, now_text: str | None) -> None:
    """Run every job due now and send the mail they (or the console) queued, then exit (for cron)."""
    worker = worker_name()
    at = _at(now_text)
    _daily(at or utcnow())
    while True:
        summary = run_due(at or utcnow(), worker, lease=timedelta(seconds=lease))
        _echo(summary)
        if len(summary) < DEFAULT_BATCH:
            break
    sent = send_queued(now=(lambda: at) if at else utcnow)
    click.echo(f"mail: {sent.sent} sent, {sent.deferred} deferred, {sent.failed} failed")


@scheduler_group.command("run")
@click.option("--interval", type=click.FloatRange(0.1, 3600), default=30, show_default=True,
              help="seconds between passes when nothing is due")
@lease_option
def run_command(interval: float, lease: int) -> None:
    """Run due jobs until SIGTERM or SIGINT; a job in progress is finished first."""
    stop = threading.Event()

    def _stop(signum, _frame) -> None:
        click.echo(f"scheduler: {signal.Signals(signum).name}, stopping after the current job")
        stop.set()

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, _stop)
    worker = worker_name()
    click.echo(f"scheduler: worker {worker} started")
    while not stop.is_set():
        try:
            _daily(utcnow())
            summary = run_due(utcnow(), worker, lease=timedelta(seconds=lease), should_stop=stop.is_set)
            send_queued(limit=DEFAULT_BATCH)  # the mail the jobs (or the console) queued
        except sa.exc.DBAPIError:  # the database is down or restarting: try again at the next pass
            logger.exception("scheduler: the database could not be reached; trying again in %s s", interval)
            summary = RunSummary()
        finally:
            db.session.remove()
        _echo(summary)
        if len(summary) < DEFAULT_BATCH:
            stop.wait(interval)
    click.echo("scheduler: stopped")


@scheduler_group.command("jobs")
@click.option("--state", type=click.Choice(JOB_STATES), help="only jobs in this state")
def jobs_command(state: str | None) -> None:
    """List the scheduled jobs: key, state, due time, attempts and the last error."""
    query = sa.select(ScheduledJob).order_by(ScheduledJob.due_at, ScheduledJob.id)
    if state:
        query = query.where(ScheduledJob.state == state)
    for job in db.session.scalars(query):
        error = f"  {job.last_error}" if job.last_error else ""
        click.echo(f"{job.key}  {job.state}  due {as_utc(job.due_at).isoformat()}  attempts {job.attempts}{error}")


@scheduler_group.command("reminders")
@click.argument("slug")
@click.option("--on-open/--no-on-open", default=False, help="a reminder step when the survey opens")
@click.option("--after-days", type=int, multiple=True, help="a step N days after the opening (repeatable)")
@click.option("--before-close-days", type=int, multiple=True,
              help="a step N days before the closing (repeatable; needs a closing time)")
def reminders_command(slug: str, on_open: bool, after_days: tuple[int, ...],
                      before_close_days: tuple[int, ...]) -> None:
    """Set a survey's reminder steps; an open survey's are scheduled at once."""
    from survey_app.scheduler.reminders import set_plan
    from survey_app.services.surveys import get_survey

    survey = get_survey(slug)
    if survey is None:
        raise click.ClickException(f"no survey {slug!r}")
    kept = db.session.get(ReminderPlan, survey.id)  # when the invitations go out is the console's to change
    try:
        jobs = set_plan(survey, on_open=on_open, after_days=list(after_days),
                        before_close_days=list(before_close_days), now=utcnow(),
                        invite_on_open=bool(kept and kept.invite_on_open),
                        invite_at=as_utc(kept.invite_at) if kept and kept.invite_at else None)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    db.session.commit()
    for job in jobs:
        click.echo(f"{job.key}: {job.state}, due {job.due_at.isoformat()}")
    if survey.status != "open":
        click.echo(f"survey {slug} is {survey.status}: its steps are scheduled when it opens")
