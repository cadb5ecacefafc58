"""``flask --app survey_app mail ...``: queue and send invitations and reminders from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from survey_app.extensions import db
from survey_app.services.mail import queue_invitations, queue_reminders, send_queued
from survey_app.services.mail.account_mail import last_console_message, outbox_folder_path
from survey_app.services.surveys import get_survey

mail_group = AppGroup("mail", help="Invitations and reminders by email.")


@mail_group.command("send")
@click.option("--limit", type=click.IntRange(min=1), default=None, help="Send at most this many messages.")
def send_command(limit: int | None) -> None:
    """Send the queued messages that are due (to SMTP_URL, or the local outbox without it; the webhook channel's
    to each survey's webhook)."""
    result = send_queued(limit=limit)
    click.echo(f"sent {result.sent}, to retry {result.deferred}, failed {result.failed}")


@mail_group.command("queue")
@click.argument("slug")
@click.option("--reminder", "step", default=None, help="Queue the reminder of this step instead of the invitation.")
def queue_command(slug: str, step: str | None) -> None:
    """Queue the invitation (or a reminder step) for a survey's invitees."""
    survey = get_survey(slug)
    if survey is None:
        raise click.ClickException(f"no survey with slug {slug!r}")
    try:
        count = queue_reminders(survey, step) if step else queue_invitations(survey)
    except ValueError as exc:
        db.session.rollback()
        raise click.ClickException(str(exc)) from None
    db.session.commit()
    click.echo(f"{count} message(s) queued")


@mail_group.command("console-outbox")
@click.option("--to", "to", default=None, help="The newest message to this address only.")
def console_outbox_command(to: str | None) -> None:
    """Print the newest message of the console (password reset, invitation) from the local outbox."""
    message = last_console_message(Path(current_app.config["MAIL_OUTBOX"]), to=to)
    if message is None:
        where = "SMTP_URL is set, so console messages go to the mail server; " if current_app.config["SMTP_URL"] else ""
        raise click.ClickException(f"{where}no console message{' to ' + to if to else ''} in {outbox_folder_path()}")
    for name in ("Date", "From", "To", "Subject"):
        click.echo(f"{name}: {message[name]}")
    body = message.get_body(("plain",))
    click.echo("")
    click.echo(body.get_content() if body is not None else "")
