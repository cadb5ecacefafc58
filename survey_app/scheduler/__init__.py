"""A durable scheduler: jobs in the database, each run by one worker at a time across processes (docs/scheduler.md).

``schedule(key, due_at, kind, payload)`` makes a job once per key; ``run_due(now, worker_id)`` claims and runs the
due ones; ``register(kind)`` names the function of a job kind. ``flask --app survey_app scheduler run`` is the
worker loop, ``scheduler once`` a single pass for cron.
"""

from survey_app.scheduler.jobs import KINDS, RunSummary, cancel, claim, register, run_due, schedule, worker_name

__all__ = ["KINDS", "RunSummary", "cancel", "claim", "init_app", "register", "run_due", "schedule", "worker_name"]


def init_app(app) -> None:
    """Register the job kinds and the ``scheduler`` commands."""
    from survey_app.scheduler import reminders  # noqa: F401  (registers the "reminder" kind)
    from survey_app.scheduler.cli import scheduler_group
    from survey_app.services import (  # noqa: F401  ("alerts", "answer_blocks", "case_overdue", "retention")
        alerts,
        answer_blocks,
        cases,
        retention,
    )
    from survey_app.services.events import payloads  # noqa: F401  (the "webhook" kind; the case events' hook)
    from survey_app.services.mail import case_mail, scheduled  # noqa: F401  (reminder mail; case mail, a case hook)

    app.cli.add_command(scheduler_group)
