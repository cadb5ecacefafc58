"""Queueing invitations and reminders, and sending what is queued (outside any request), by email and to the
survey's webhook (services.channels).

Queueing only adds rows (one per invitee, step and channel: the unique constraint makes a second queueing, even a
concurrent one, add nothing). :func:`send_queued` is the job the CLI command and the scheduler run: it claims one
due message at a time and commits after each, so a run that dies loses at most the message it was sending.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects import postgresql, sqlite

from survey_app.extensions import db
from survey_app.messages import N_, TranslatableError
from survey_app.models import Invitation, MailMessage, Survey
from survey_app.models.types import utcnow
from survey_app.services.channels.outgoing import send_webhook
from survey_app.services.channels.settings import sends_through
from survey_app.services.mail.compose import Composed, build_message, compose
from survey_app.services.mail.transport import DeliveryError, Transport, transport_for
from survey_app.services.mail.unsubscribe import unsubscribe_url
from survey_app.services.message_values import MessageValues, invitee_attributes, message_language
from survey_app.services.webhooks import WebhookError

#: a reminder step key: letters, digits and dashes ("after-7-days", "before-closing")
STEP_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789-")


def queue_invitations(survey: Survey, *, now: datetime | None = None) -> int:
    """Queue the invitation for every invitee with an address who has none yet and has not unsubscribed."""
    return _queue(survey, "invitation", "", sa.true(), now or utcnow())


def queue_reminders(survey: Survey, step: str, *, now: datetime | None = None) -> int:
    """Queue the reminder of ``step`` for invitees who were sent the invitation and have not completed.

    Each person gets each step once. An anonymous survey does not look at who completed (the outbox would tell
    it): its reminder goes to every invitee, and says to ignore it when answered already.
    """
    check_step(step)
    invited = sa.select(MailMessage.id).where(MailMessage.invitation_id == Invitation.id,
                                              MailMessage.kind == "invitation", MailMessage.status == "sent")
    condition = sa.exists(invited)
    if not survey.anonymous:
        condition = sa.and_(condition, Invitation.used_at.is_(None))
    return _queue(survey, "reminder", step, condition, now or utcnow())


def check_step(step: str) -> None:
    """Refuse a reminder step key that is not 1 to 64 of :data:`STEP_CHARS`."""
    if not step or len(step) > 64 or not set(step) <= STEP_CHARS:
        raise TranslatableError(N_("the reminder step must be 1 to 64 lower-case letters, digits or dashes"))


def _queue(survey: Survey, kind: str, step: str, condition: sa.ColumnElement[bool], now: datetime) -> int:
    if survey.status in ("closed", "archived"):
        raise TranslatableError(N_("the survey is closed: no more messages are sent for it"))
    insert = postgresql.insert if db.session.get_bind().dialect.name == "postgresql" else sqlite.insert
    added = 0
    for channel in sends_through(survey):
        chosen = sa.select(
            sa.literal(survey.id), Invitation.id, sa.literal(kind), sa.literal(step), sa.literal(channel),
            sa.literal("queued"), sa.literal(0), sa.literal(now, sa.DateTime(timezone=True)),
            sa.literal(now, sa.DateTime(timezone=True)),
        ).where(Invitation.survey_id == survey.id, Invitation.email.is_not(None),
                Invitation.unsubscribed_at.is_(None), condition)
        rows = insert(MailMessage).from_select(["survey_id", "invitation_id", "kind", "step", "channel", "status",
                                                "attempts", "next_attempt_at", "created_at"], chosen)
        # a message queued already (by an earlier click, or another process right now) is left as it is
        added += len(db.session.scalars(rows.on_conflict_do_nothing(
            index_elements=["invitation_id", "kind", "step", "channel"]).returning(MailMessage.id)).all())
    db.session.flush()
    return added


@dataclass(frozen=True)
class SendResult:
    """What one run of :func:`send_queued` did."""

    sent: int = 0
    #: temporary failures, tried again later
    deferred: int = 0
    #: given up (a 5xx reply, too many attempts, or unsubscribed meanwhile)
    failed: int = 0


def send_queued(*, now: Callable[[], datetime] = utcnow, sleep: Callable[[float], None] = time.sleep,
                clock: Callable[[], float] = time.monotonic, transport: Transport | None = None,
                limit: int | None = None) -> SendResult:
    """Send every queued message that is due, at most ``MAIL_RATE`` a second; commits after each message."""
    config = current_app.config
    transport = transport or transport_for(config["SMTP_URL"], Path(config["MAIL_OUTBOX"]))
    counts = {"sent": 0, "deferred": 0, "failed": 0}
    started = now()  # a message deferred during this run is due again only after it
    previous: float | None = None  # when the last message was handed over (``clock``)
    try:
        while limit is None or sum(counts.values()) < limit:
            message = _claim(started, now() + timedelta(seconds=config["MAIL_CLAIM_SECONDS"]))
            if message is None:
                break
            if previous is not None:
                # the rate is a pace, not a pause added to each message's own time
                wait = 1 / config["MAIL_RATE"] - (clock() - previous)
                if wait > 0:
                    sleep(wait)
            previous = clock()
            counts[_deliver(message, transport, now())] += 1
            db.session.commit()
    finally:
        transport.close()
    return SendResult(**counts)


def _claim(due: datetime, lease_until: datetime) -> MailMessage | None:
    """The next due message, taken by this sender alone: one UPDATE moves it out of reach (``next_attempt_at``
    to ``lease_until``) and is committed before sending. Another process's sender - a second app worker, the
    scheduler - then takes another message, on SQLite (no row locks) as on PostgreSQL; a sender that dies
    before recording the outcome leaves the message to be tried again once the lease ends."""
    due_now = sa.and_(MailMessage.status == "queued", MailMessage.next_attempt_at <= due)
    first = sa.select(MailMessage.id).where(due_now).order_by(MailMessage.next_attempt_at, MailMessage.id).limit(1)
    if db.session.get_bind().dialect.name == "postgresql":
        first = first.with_for_update(skip_locked=True)
    # the outer condition is checked again on the row itself: a sender that waited for it finds it taken
    taken = db.session.scalar(
        sa.update(MailMessage).where(MailMessage.id == first.scalar_subquery(), due_now)
        .values(next_attempt_at=lease_until).returning(MailMessage.id)
        .execution_options(synchronize_session=False))
    db.session.commit()
    return db.session.get(MailMessage, taken, populate_existing=True) if taken is not None else None


def _deliver(message: MailMessage, transport: Transport, now: datetime) -> str:
    """Try to send ``message`` by its channel; returns which count of :class:`SendResult` it adds to.

    The one retry rule of every channel: a permanent failure, or the ``MAIL_MAX_ATTEMPTS``-th temporary one, gives
    up; a temporary one is tried again after ``MAIL_RETRY_SECONDS``, doubled for each attempt made.
    """
    invitation = db.session.get(Invitation, message.invitation_id)
    survey = db.session.get(Survey, message.survey_id)
    refused = _refused(survey, invitation, message)
    if refused:
        message.status, message.last_error = "failed", refused
        return "failed"
    message.attempts += 1
    config = current_app.config
    try:
        if message.channel == "webhook":
            reference = send_webhook(survey, invitation, message, now)
        else:
            reference = _mail(survey, invitation, message, transport)
    except (DeliveryError, WebhookError) as exc:
        message.last_error = exc.reply
        if exc.permanent or message.attempts >= config["MAIL_MAX_ATTEMPTS"]:
            message.status = "failed"
            return "failed"
        message.next_attempt_at = now + timedelta(seconds=config["MAIL_RETRY_SECONDS"] * 2 ** (message.attempts - 1))
        return "deferred"
    message.status, message.sent_at, message.message_id = "sent", now, reference
    message.last_error = None
    return "sent"


def _mail(survey: Survey, invitation: Invitation, message: MailMessage, transport: Transport) -> str:
    """Send ``message`` by email; returns its Message-ID (DeliveryError when it is not delivered)."""
    composed, email = message_for(survey, invitation, message.kind)
    config = current_app.config
    built = build_message(composed, sender=config["MAIL_FROM"], to=email, unsubscribe=unsubscribe_url(invitation.id),
                          domain=_domain(config["MAIL_FROM"]))
    transport.send(built, folder=survey.slug)
    return built["Message-ID"]


def _refused(survey: Survey, invitation: Invitation, message: MailMessage) -> str | None:
    """Why a queued message must not go out any more, or None."""
    if invitation.unsubscribed_at is not None:
        return "unsubscribed"
    if survey.status in ("closed", "archived"):
        return "survey closed"
    if message.kind == "reminder" and not survey.anonymous and invitation.used_at is not None:
        return "answered already"
    return None


def message_for(survey: Survey, invitation: Invitation, kind: str) -> tuple[Composed, str]:
    """The ``kind`` email of ``invitation`` and the address it goes to."""
    lang = message_language(survey, invitation)
    composed = compose(kind, lang, survey=survey.title_in(lang), values=MessageValues(survey)(invitation, lang),
                       unsubscribe=unsubscribe_url(invitation.id), attributes=invitee_attributes(invitation))
    return composed, invitation.email or ""


def _domain(sender: str) -> str:
    """The domain of the sender's address, for Message-ID headers."""
    return sender.rsplit("@", 1)[-1].strip(" >") or "localhost"
